import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEBHOOK_KINDS } from '../../machines/index.js';
import { MIN_WEBHOOK_SECRET_BYTES as SIGNING_MIN } from '../webhooks/signing.js';
import { formatConfigError, loadConfig, redactSecrets, toRawConfig } from './index.js';
import { WEBHOOK_KIND_NAMES } from './schema.js';
import { MIN_WEBHOOK_SECRET_BYTES } from './webhook-rules.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-webhook-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
function yamlFile(text: string): string {
  const file = join(dir, `config-${count++}.yaml`);
  writeFileSync(file, text);
  return file;
}
const SECRET = 'x'.repeat(32);
const failure = (file: string): string[] => formatConfigError(loadConfig({ file })._unsafeUnwrapErr()).split('\n').sort();
const endpoint = (fields: string): string => `webhooks:\n  endpoints:\n    - { ${fields} }\n`;

describe('the webhooks section', () => {
  it('is off by default and loads a valid endpoint', () => {
    expect(loadConfig({})._unsafeUnwrap().config.webhooks.endpoints).toEqual([]);
    const file = yamlFile(endpoint(`id: ops, url: "https://hooks.example.com/a", secret: ${SECRET}, events: [approval.requested], tenants: [acme]`));
    expect(loadConfig({ file })._unsafeUnwrap().config.webhooks.endpoints).toEqual([
      { id: 'ops', url: 'https://hooks.example.com/a', secret: SECRET, events: ['approval.requested'], tenants: ['acme'] },
    ]);
  });

  it('refuses a URL that is not http(s), naming the key and the file', () => {
    const file = yamlFile(endpoint(`id: ops, url: "ftp://example.com/x", secret: ${SECRET}`));
    expect(failure(file)).toEqual([`${file}: webhooks.endpoints[0].url: expected an http:// or https:// URL, got scheme ftp:`]);
  });

  it('refuses a short secret, a missing one, both at once, and a duplicate id', () => {
    const file = yamlFile(
      'webhooks:\n  endpoints:\n' +
        '    - { id: a, url: "http://127.0.0.1:1/", secret: short }\n' +
        '    - { id: b, url: "http://127.0.0.1:1/" }\n' +
        `    - { id: c, url: "http://127.0.0.1:1/", secret: ${SECRET}, secret_env: HOOK_SECRET }\n` +
        `    - { id: a, url: "http://127.0.0.1:1/", secret_env: HOOK_SECRET }\n`,
    );
    expect(failure(file)).toEqual([
      `${file}: webhooks.endpoints[0].secret: must be at least 32 bytes, got 5`,
      `${file}: webhooks.endpoints[1].secret: give exactly one of secret and secret_env`,
      `${file}: webhooks.endpoints[2].secret_env: give exactly one of secret and secret_env`,
      `${file}: webhooks.endpoints[3].id: duplicate webhook endpoint id "a"`,
    ]);
  });

  it('refuses an unknown kind and a back-off cap below its base', () => {
    const file = yamlFile(endpoint(`id: a, url: "http://127.0.0.1:1/", secret: ${SECRET}, events: [turn.done]`));
    expect(failure(file)).toEqual([
      `${file}: webhooks.endpoints[0].events[0]: expected one of approval.requested, turn.completed, turn.failed, budget.exhausted, session.failed, got "turn.done"`,
    ]);
    const ordered = yamlFile(`webhooks:\n  base_delay: 10s\n  max_delay: 1s\n`);
    expect(failure(ordered)).toEqual([`${ordered}: webhooks.max_delay: must not be shorter than base_delay`]);
  });

  it('hides secrets when the configuration is printed', () => {
    const file = yamlFile(endpoint(`id: ops, url: "https://hooks.example.com/a", secret: ${SECRET}`));
    const raw = redactSecrets(toRawConfig(loadConfig({ file })._unsafeUnwrap().config));
    expect(raw.webhooks.endpoints[0]?.secret).toBe('***');
  });

  it('keeps its kinds and secret length equal to the webhook code', () => {
    expect([...WEBHOOK_KIND_NAMES]).toEqual([...WEBHOOK_KINDS]);
    expect(MIN_WEBHOOK_SECRET_BYTES).toBe(SIGNING_MIN);
  });
});
