import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema, PACKAGE_ROOT } from '../../src/config/index.js';
import { API_ERROR_CODES } from '../../src/server/errors.js';

/** The documentation: README.md and every page of docs/, by path from the package root. */
const pages = new Map<string, string>(
  ['README.md', ...readdirSync(join(PACKAGE_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)].map((path) => [
    path,
    readFileSync(join(PACKAGE_ROOT, path), 'utf8'),
  ]),
);
const readme = pages.get('README.md')!;
const documentation = [...pages.values()].join('\n');

function leafKeys(node: TSchema, path: string[] = []): string[] {
  const properties = (node as { properties?: Record<string, TSchema> }).properties;
  if (node.type !== 'object' || properties === undefined) return [path.join('.')];
  return Object.entries(properties).flatMap(([key, child]) => leafKeys(child, [...path, key]));
}

/** GitHub's anchor for a heading (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a page's headings (outside code blocks), with GitHub's `-1`, `-2` … for repeated ones. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (inCode || heading === null) continue;
    const base = anchorOf(heading[1]!);
    let anchor = base;
    for (let n = 1; found.has(anchor); n++) anchor = `${base}-${n}`;
    found.add(anchor);
  }
  return found;
}

/** Relative links `[text](target)` of a page, outside code blocks and code spans. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/i.test(target));
}

describe('README and docs/', () => {
  it('document every configuration key as a table row', () => {
    const missing = leafKeys(ConfigSchema).filter((key) => !documentation.includes(`| \`${key}\` |`));
    expect(missing).toEqual([]);
  });

  it('document every API error code', () => {
    const missing = Object.values(API_ERROR_CODES).filter((code) => !documentation.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('keep the two set-up commands in the README', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });

  it('link every docs/ page from the README', () => {
    const unlinked = [...pages.keys()].filter((path) => path !== 'README.md' && !readme.includes(`](${path})`));
    expect(unlinked).toEqual([]);
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const [path, markdown] of pages) {
      for (const target of relativeLinks(markdown)) {
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const linked = file === '' ? path : posix.normalize(posix.join(posix.dirname(path), file));
        if (linked.startsWith('../')) continue; // outside the package (the shared design notes)
        if (!existsSync(join(PACKAGE_ROOT, linked))) broken.push(`${path}: ${target} (no file ${linked})`);
        else if (anchor !== undefined && linked.endsWith('.md')) {
          const text = pages.get(linked) ?? readFileSync(join(PACKAGE_ROOT, linked), 'utf8');
          if (!anchors(text).has(anchor)) broken.push(`${path}: ${target} (no heading #${anchor} in ${linked})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
