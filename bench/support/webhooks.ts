/**
 * `BENCH_WEBHOOKS` for the `bare` message bench: `idle` runs a webhook dispatcher whose endpoint wants no kind a
 * message raises (the cost of its store subscription alone); `turns` one that wants `turn.completed` (one signed
 * POST per message) to a receiver in a child process, so only the server side's CPU is measured. Unset or `off`:
 * no dispatcher, as by default. The endpoint has its circuit breaker as in `serve` (`BENCH_WEBHOOK_BREAKER=0`: none).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { systemClock } from '../../src/runtime/index.js';
import type { EventStore } from '../../src/store/index.js';
import { openWebhookBreakers, WebhookDispatcher } from '../../src/webhooks/index.js';
import { poolSettings } from '../../src/pool/index.js';
import { benchConfig } from './bench-pool.js';

/** The `BENCH_WEBHOOKS` mode. */
export const BENCH_WEBHOOKS = (process.env['BENCH_WEBHOOKS'] ?? 'off') as 'off' | 'idle' | 'turns';

const RECEIVER = `require('http').createServer((q, r) => { q.resume(); q.on('end', () => r.writeHead(204).end()); })
  .listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

/** Starts what `BENCH_WEBHOOKS` asks for over `store`; returns how to stop it. */
export async function benchWebhooks(store: EventStore): Promise<() => Promise<void>> {
  if (BENCH_WEBHOOKS === 'off') return async () => undefined;
  const receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(receiver.stdout!.setEncoding('utf8'), 'data')) as [string];
  // As `serve` runs it: the endpoint's breaker with the configured defaults (`BENCH_WEBHOOK_BREAKER=0`: none).
  const breakers = process.env['BENCH_WEBHOOK_BREAKER'] === '0' ? null : (await openWebhookBreakers(store, systemClock, poolSettings(benchConfig({})).breaker, ['bench'], () => undefined))._unsafeUnwrap();
  const dispatcher = new WebhookDispatcher({
    store,
    endpoints: [{ id: 'bench', url: `http://127.0.0.1:${line.trim()}/hook`, secret: 'b'.repeat(32), events: new Set([BENCH_WEBHOOKS === 'turns' ? 'turn.completed' : 'approval.requested']), tenants: null }],
    policy: { maxAttempts: 3, backoff: { baseMs: 100, maxMs: 1_000 }, timeoutMs: 5_000, queueSize: 100_000, concurrency: 16 },
    clock: systemClock,
    ...(breakers === null ? {} : { gateOf: (id: string) => breakers.gates.get(id)! }),
  });
  (await dispatcher.start())._unsafeUnwrap();
  return async () => {
    await dispatcher.close();
    await breakers?.close();
    receiver.kill();
  };
}
