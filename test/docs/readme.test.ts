import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema, PACKAGE_ROOT } from '../../src/config/index.js';
import { API_ERROR_CODES } from '../../src/server/errors.js';

const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');

function leafKeys(node: TSchema, path: string[] = []): string[] {
  const properties = (node as { properties?: Record<string, TSchema> }).properties;
  if (node.type !== 'object' || properties === undefined) return [path.join('.')];
  return Object.entries(properties).flatMap(([key, child]) => leafKeys(child, [...path, key]));
}

describe('README', () => {
  it('documents every configuration key', () => {
    const missing = leafKeys(ConfigSchema).filter((key) => !readme.includes(`| \`${key}\` |`));
    expect(missing).toEqual([]);
  });

  it('documents every API error code', () => {
    const missing = Object.values(API_ERROR_CODES).filter((code) => !readme.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('keeps the two set-up commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
