/**
 * Why a listen failed: uWebSockets.js only reports `false`, so the server asks the kernel again with a plain Node
 * socket whether the port is taken (`EADDRINUSE`) or the address is not usable at all.
 */
import { createServer } from 'node:net';

/** Resolves true when binding `host:port` fails with `EADDRINUSE` right now (the probe socket is closed at once). */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}
