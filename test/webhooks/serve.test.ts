/**
 * Webhooks in `aicli-api serve`: the endpoint's secret is read from `secret_env` at start (a missing variable is a
 * configuration error naming the key), a turn reaches the receiver signed, and the endpoint's breaker is stored
 * beside the others.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { verifyWebhookSignature, WEBHOOK_HEADER } from '../../src/webhooks/index.js';
import { until } from '../pool/support.js';
import { callApi as call } from '../support/rest.js';
import { runCli, startServerProcess } from '../support/server-process.js';
import { startReceiver } from '../support/webhook-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-webhooks-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'serve-test-webhook-secret-0123456789';

function configFile(url: string): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `webhooks:\n  base_delay: 100ms\n  endpoints:\n    - { id: team, url: "${url}", secret_env: TEAM_HOOK_SECRET, events: [turn.completed] }\n`);
  return file;
}

describe('aicli-api serve with webhooks', () => {
  it('signs with the secret from secret_env and delivers a completed turn', async () => {
    const receiver = await startReceiver();
    const server = await startServerProcess(['--config', configFile(receiver.url)], { TEAM_HOOK_SECRET: SECRET });
    try {
      expect(server.stdout()).toContain('webhooks: delivering to 1 endpoint(s)');
      const id = (await call(server.url, 'POST', '/sessions', {})).body.session.id as string;
      const sent = await call(server.url, 'POST', `/sessions/${id}/messages`, { text: 'hello' });
      expect(sent.status).toBe(202);
      await until('the webhook', () => receiver.received.length === 1, 15_000);
      const [request] = receiver.received;
      const signed = { secret: SECRET, body: request!.body, timestamp: request!.headers[WEBHOOK_HEADER.timestamp] as string, signature: request!.headers[WEBHOOK_HEADER.signature] as string };
      expect(verifyWebhookSignature(signed)).toBe(true);
      expect(JSON.parse(request!.body)).toMatchObject({ type: 'turn.completed', sessionId: id, data: { turnId: sent.body.turnId } });
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses to start when secret_env names an unset variable, naming the key', async () => {
    const run = runCli(['--agent=fake', '--port', '0', '--store', 'memory:', '--set', 'auth.enabled=false', '--config', configFile('http://127.0.0.1:9/hook')]);
    expect(await run.exited).toBe(EXIT_CODES.config);
    expect(run.output().stdout).toContain('webhooks.endpoints[0].secret_env: environment variable TEAM_HOOK_SECRET is not set');
  });
});
