/**
 * A loopback stand-in for the Anthropic API that answers every request with 529 `overloaded_error`, and the
 * environment that points the real Claude Code CLI at it with an invalid key and no other traffic: contract
 * tests run the real CLI without anything leaving the machine.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running overloaded API and the environment for the CLI. */
export interface OverloadedApi {
  readonly baseUrl: string;
  /** `ANTHROPIC_API_KEY` (invalid), `ANTHROPIC_BASE_URL` and the switches that turn off non-essential traffic. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** Starts the overloaded API on a free loopback port. */
export async function startOverloadedApi(): Promise<OverloadedApi> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(529, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    env: {
      ANTHROPIC_API_KEY: 'sk-ant-invalid',
      ANTHROPIC_BASE_URL: baseUrl,
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
