/**
 * A loopback TCP proxy that can drop every connection through it at once, as a network drop would (the client sees
 * its connections reset), while new connections keep working: for tests of clients that must resume.
 */
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

/** A running proxy to `target` (`http://127.0.0.1:PORT`). */
export interface TcpProxy {
  readonly url: string;
  /** Destroys every open connection (both sides). */
  drop(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => (client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  const drop = () => {
    for (const socket of open) socket.resetAndDestroy();
  };
  return {
    url: `http://127.0.0.1:${address.port}`,
    drop,
    close: async () => {
      drop();
      server.close();
      await once(server, 'close');
    },
  };
}
