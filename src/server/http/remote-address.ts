/** The peer address of a uWS request or socket as text (the TCP peer: a proxy's address, behind one). */

/** Decodes what `getRemoteAddressAsText()` returns (ASCII: `127.0.0.1`, or an IPv6 address). */
export function remoteAddressText(raw: ArrayBuffer): string {
  return Buffer.from(raw).toString('latin1');
}
