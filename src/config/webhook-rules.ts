/**
 * Rules of the `webhooks` section the schema cannot say: an http(s) URL, exactly one of `secret` and `secret_env`,
 * a secret of at least 32 bytes, unique ids, and a back-off cap not below its base. A `secret_env` is read when the
 * server starts (`src/webhooks/settings.ts`), so other commands load the configuration without it.
 */
import type { ConfigValues } from './schema.js';
import type { SchemaIssue } from './validate.js';

/** Fewest bytes of a webhook signing secret (kept equal to `MIN_WEBHOOK_SECRET_BYTES` of src/webhooks by a test). */
export const MIN_WEBHOOK_SECRET_BYTES = 32;

/** Why `url` cannot be a webhook endpoint, or `null`. */
export function webhookUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `expected an http:// or https:// URL, got ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `expected an http:// or https:// URL, got scheme ${parsed.protocol}`;
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry a user name or password (authenticate receivers by the signature)';
  return null;
}

/** Why `secret` cannot sign webhooks, or `null`. */
export function webhookSecretProblem(secret: string): string | null {
  const bytes = Buffer.byteLength(secret, 'utf8');
  return bytes < MIN_WEBHOOK_SECRET_BYTES ? `must be at least ${MIN_WEBHOOK_SECRET_BYTES} bytes, got ${bytes}` : null;
}

/** The problems of the `webhooks` section of an otherwise valid configuration. */
export function checkWebhookRules({ webhooks }: ConfigValues): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const ids = new Set<string>();
  webhooks.endpoints.forEach((endpoint, index) => {
    const at = (key: string): (string | number)[] => ['webhooks', 'endpoints', index, key];
    if (ids.has(endpoint.id)) issues.push({ path: at('id'), message: `duplicate webhook endpoint id "${endpoint.id}"` });
    ids.add(endpoint.id);
    const urlProblem = webhookUrlProblem(endpoint.url);
    if (urlProblem !== null) issues.push({ path: at('url'), message: urlProblem });
    const hasSecret = endpoint.secret !== undefined && endpoint.secret !== '';
    if (hasSecret === (endpoint.secret_env !== undefined)) {
      issues.push({ path: at(hasSecret ? 'secret_env' : 'secret'), message: 'give exactly one of secret and secret_env' });
    } else if (hasSecret) {
      const secretProblem = webhookSecretProblem(endpoint.secret!);
      if (secretProblem !== null) issues.push({ path: at('secret'), message: secretProblem });
    }
  });
  if (webhooks.max_delay < webhooks.base_delay) issues.push({ path: ['webhooks', 'max_delay'], message: 'must not be shorter than base_delay' });
  return issues;
}
