/**
 * Rules that relate several keys (min below max, TLS files present, safe auth settings) or need more than a
 * schema (a store URL an adapter accepts). They run after the schema has accepted every key, on decoded values.
 */
import { accessSync, constants } from 'node:fs';
// The URL parser alone, not the store index: validating a config must not load the SQLite adapter.
import { parseStoreUrl } from '../store/url.js';
import { checkAuthRules } from './auth-rules.js';
import type { ConfigValues } from './schema.js';
import { checkWebhookRules } from './webhook-rules.js';
import type { SchemaIssue } from './validate.js';

/** Returns the cross-key problems of an otherwise valid configuration. */
export function checkConfigRules(config: ConfigValues): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const { session_pool: pool, server, auth } = config;

  if (pool.min_size > pool.max_size) {
    issues.push({ path: ['session_pool', 'min_size'], message: `must not exceed session_pool.max_size (${pool.min_size} > ${pool.max_size})` });
  }
  const scaling = pool.auto_scaling;
  if (scaling.scale_down_threshold >= scaling.scale_up_threshold) {
    issues.push({
      path: ['session_pool', 'auto_scaling', 'scale_down_threshold'],
      message: `must be below scale_up_threshold (${scaling.scale_down_threshold} >= ${scaling.scale_up_threshold})`,
    });
  }

  const breaker = config.error_recovery.circuit_breaker;
  if (breaker.max_open_duration < breaker.open_duration) {
    issues.push({ path: ['error_recovery', 'circuit_breaker', 'max_open_duration'], message: 'must not be shorter than open_duration' });
  }
  const retry = config.error_recovery.retry;
  for (const errorClass of ['spawn_failure', 'timeout', 'rate_limit', 'crash'] as const) {
    if (retry[errorClass].max_delay < retry[errorClass].base_delay) {
      issues.push({ path: ['error_recovery', 'retry', errorClass, 'max_delay'], message: 'must not be shorter than base_delay' });
    }
  }

  if (server.tls.enabled) {
    for (const key of ['cert_file', 'key_file'] as const) {
      const problem = unreadableFile(server.tls[key]);
      if (problem) issues.push({ path: ['server', 'tls', key], message: `${problem} (required when server.tls.enabled is true)`, blame: ['server', 'tls', 'enabled'] });
    }
    if (server.tls.ca_file !== '') {
      const problem = unreadableFile(server.tls.ca_file);
      if (problem) issues.push({ path: ['server', 'tls', 'ca_file'], message: problem });
    }
  }

  if (server.cors.allow_credentials && server.cors.allowed_origins.includes('*')) {
    issues.push({
      path: ['server', 'cors', 'allow_credentials'],
      message: 'cannot be true while allowed_origins contains "*" (browsers reject credentials for any origin)',
    });
  }

  issues.push(...checkAuthRules(config));
  issues.push(...checkWebhookRules(config));
  const store = parseStoreUrl(config.store.url);
  if (store.isErr() && store.error.kind === 'InvalidStoreUrl') {
    issues.push({ path: ['store', 'url'], message: `${store.error.reason} (accepted: ${store.error.accepted.join(', ')})` });
  }

  const ids = new Set<string>();
  auth.api_keys.forEach((key, index) => {
    if (ids.has(key.id)) issues.push({ path: ['auth', 'api_keys', index, 'id'], message: `duplicate api key id "${key.id}"` });
    ids.add(key.id);
  });
  const tenants = new Set<string>();
  config.budgets.tenants.forEach((budget, index) => {
    if (tenants.has(budget.tenant)) issues.push({ path: ['budgets', 'tenants', index, 'tenant'], message: `duplicate budget of tenant "${budget.tenant}"` });
    tenants.add(budget.tenant);
  });
  return issues;
}

function unreadableFile(file: string): string | null {
  if (file === '') return 'a file path is required';
  try {
    accessSync(file, constants.R_OK);
    return null;
  } catch (error) {
    return `cannot read file "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}
