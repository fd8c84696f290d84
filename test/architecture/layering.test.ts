/**
 * Keeps the dependencies pointing one way, as ARCHITECTURE.md fixes them: cli -> server -> pool -> runtime -> store,
 * agent driven by pool, everything may use machines/, projections/ depend on machines/ only, machines/ and
 * projections/ import no Node APIs, and test helpers live in `testing/` folders that no product code imports and
 * the build leaves out. The import graph is read with a regex over `import`/`export … from` statements and dynamic
 * `import('…')` calls (TypeScript 7 has no stable JS compiler API to lean on).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_ROOTS = ['machines', 'projections', 'src'];

/** One import edge: the importing file and what it names, both as repository-relative POSIX paths or bare names. */
interface ImportEdge {
  readonly from: string;
  readonly specifier: string;
  /** Repository-relative path for a relative specifier; undefined for a package or a Node built-in. */
  readonly target: string | undefined;
}

function listTypeScript(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return listTypeScript(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

// `import … from '…'`, `import '…'`, `export … from '…'` at the start of a line (so comments do not count), the
// clause spanning lines but never a `;` or a quote; and `import('…')` anywhere.
const STATIC_IMPORT = /^\s*(?:import|export)\b(?:[^;'"`]*?\bfrom\s*)?\s*['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The import specifiers of a source text, in order of appearance per kind. */
function importSpecifiers(text: string): string[] {
  return [...text.matchAll(STATIC_IMPORT), ...text.matchAll(DYNAMIC_IMPORT)].map((match) => match[1]!);
}

function edgesOf(file: string): ImportEdge[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return importSpecifiers(text).map((specifier) => ({
    from: file,
    specifier,
    target: specifier.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), specifier)) : undefined,
  }));
}

const NODE_BUILTINS = new Set(builtinModules);
function isNodeApi(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0]!);
}

/** The layer a repository path belongs to: `machines`, `projections`, `src/<folder>`, or its first folder. */
function layerOf(path: string): string {
  const [first, second] = path.split('/');
  return first === 'src' && second !== undefined && !second.endsWith('.ts') ? `src/${second}` : first!;
}

const isTest = (path: string): boolean => path.endsWith('.test.ts');
const inTestingFolder = (path: string): boolean => path.split('/').includes('testing');

const files = SOURCE_ROOTS.flatMap(listTypeScript);
const edges = files.flatMap(edgesOf);
const productEdges = edges.filter((edge) => !isTest(edge.from) && !inTestingFolder(edge.from));

function describeEdge(edge: ImportEdge): string {
  return `${edge.from} -> ${edge.specifier}`;
}

/** Product (non-test) edges from `layer` whose target is in one of the `forbidden` layers. */
function forbiddenEdges(layer: string, forbidden: readonly string[]): string[] {
  return productEdges
    .filter((edge) => layerOf(edge.from) === layer && edge.target !== undefined && forbidden.includes(layerOf(edge.target)))
    .map(describeEdge);
}

/** Every edge (tests included) from `layer` that leaves the `allowed` layers or names a Node API. */
function edgesLeaving(layer: string, allowed: readonly string[]): string[] {
  return edges
    .filter((edge) => layerOf(edge.from) === layer)
    .filter((edge) => (edge.target === undefined ? isNodeApi(edge.specifier) : !allowed.includes(layerOf(edge.target))))
    .map(describeEdge);
}

describe('import graph', () => {
  it('is read from the sources (sanity check of the parser)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(
      importSpecifiers(
        [
          "import { a } from './a.js';",
          "import type {\n  B,\n  C,\n} from '../b.js';",
          "export * from './c.js';",
          "export { d } from 'node:fs';",
          "import './side-effect.js';",
          "/** never import x from './comment.js' */",
          "const m = await import('./lazy.js');",
        ].join('\n'),
      ),
    ).toEqual(['./a.js', '../b.js', './c.js', 'node:fs', './side-effect.js', './lazy.js']);
  });

  it('machines/ import nothing outside machines/ and no Node API', () => {
    expect(edgesLeaving('machines', ['machines'])).toEqual([]);
  });

  it('projections/ import only machines/ and projections/, and no Node API', () => {
    expect(edgesLeaving('projections', ['machines', 'projections'])).toEqual([]);
  });

  it('src/store imports nothing from runtime, pool, server, cli or agent', () => {
    expect(forbiddenEdges('src/store', ['src/runtime', 'src/pool', 'src/server', 'src/cli', 'src/agent'])).toEqual([]);
  });

  it('src/runtime imports nothing from pool, server, cli or agent', () => {
    expect(forbiddenEdges('src/runtime', ['src/pool', 'src/server', 'src/cli', 'src/agent'])).toEqual([]);
  });

  it('src/agent imports nothing from runtime, pool, server or cli', () => {
    expect(forbiddenEdges('src/agent', ['src/runtime', 'src/pool', 'src/server', 'src/cli'])).toEqual([]);
  });

  it('src/pool imports nothing from server or cli', () => {
    expect(forbiddenEdges('src/pool', ['src/server', 'src/cli'])).toEqual([]);
  });

  it('src/audit imports nothing from pool, server, cli or agent (the server records to it)', () => {
    expect(forbiddenEdges('src/audit', ['src/pool', 'src/server', 'src/cli', 'src/agent'])).toEqual([]);
  });

  it('src/server imports nothing from cli or agent (the pool drives the agent)', () => {
    expect(forbiddenEdges('src/server', ['src/cli', 'src/agent'])).toEqual([]);
  });
});

describe('test helpers', () => {
  it('live in testing/ folders (Given/When/Then, arbitraries, conformance suites)', () => {
    const helperName = /(^|\.)testing\.ts$|^arbitraries\.ts$|^conformance(\.ts$|$)/;
    const misplaced = files.filter((file) => !isTest(file) && !inTestingFolder(file) && file.split('/').some((part) => helperName.test(part)));
    expect(misplaced).toEqual([]);
  });

  it('are imported by no product source (only tests, other helpers and bench may)', () => {
    const intoTesting = productEdges.filter((edge) => edge.target !== undefined && inTestingFolder(edge.target));
    expect(intoTesting.map(describeEdge)).toEqual([]);
  });

  it('are left out of the build', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { exclude?: string[] };
    expect(build.exclude).toContain('**/testing/**');
  });
});
