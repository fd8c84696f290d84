/** Whether a listen address reaches this machine only (an open, unauthenticated server may bind nothing else). */
import { BlockList, isIPv6 } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True for 127.0.0.0/8, ::1 (in any spelling, and IPv4-mapped loopback) and `localhost`. Every other name is
 * treated as reachable from elsewhere: a host name could resolve to anything.
 */
export function isLoopbackHost(host: string): boolean {
  const address = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (/^localhost\.?$/i.test(address)) return true;
  try {
    return LOOPBACK.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
  } catch {
    // Not an IP address (a host name): BlockList refuses it.
    return false;
  }
}
