import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './loopback.js';

describe('isLoopbackHost', () => {
  it('accepts 127.0.0.0/8, ::1 in any spelling and localhost', () => {
    for (const host of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST', 'localhost.']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });

  it('refuses wildcard, private, public and named hosts', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', '128.0.0.1', '::2', '::ffff:10.0.0.1', 'example.com', 'localhost.example.com', 'my-laptop', '127.0.0.1.nip.io']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('an IPv4 address is loopback exactly when its first octet is 127', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(isLoopbackHost(address)).toBe(address.startsWith('127.'));
      }),
    );
  });
});
