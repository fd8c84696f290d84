/**
 * Where the server's CPU goes, from a V8 CPU profile (`.cpuprofile`): each sample's self time is given to the
 * component its function belongs to (by the script's path, or by the name of a native or V8-internal frame), and
 * the components are printed as shares of the busy (not idle) time. This is the "profile of what is left" that
 * `bench/messages.ts` prints after the WS figure, so the distance to the CPU target can be read component by
 * component. A V8 profile sees the main thread only: garbage collection on helper threads and SQLite work the
 * operating system does for us are not in it.
 */

/** The parts of a `.cpuprofile` read here. */
export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string } }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One component's share of the busy time. */
export interface ComponentShare {
  readonly component: string;
  /** 0..1 of the busy (non-idle) time. */
  readonly share: number;
}

/** Native frames of better-sqlite3 (statement calls) and of uWebSockets.js, by function name (they have no url). */
const SQLITE_NATIVE = new Set(['run', 'all', 'get', 'iterate', 'exec', 'pluck', 'raw', 'prepare', 'transaction', 'pragma']);
const UWS_NATIVE = new Set(['publish', 'send', 'end', 'cork', 'subscribe', 'unsubscribe', 'getBufferedAmount', 'close', 'writeStatus', 'writeHeader', 'getUserData']);
const CRYPTO_NATIVE = new Set(['initiv', 'update', 'final', 'setAAD', 'getAuthTag', 'setAuthTag', 'CipherBase']);
const BUFFER_NATIVE = new Set(['base64Slice', 'base64Write', 'utf8Write', 'utf8Slice', 'latin1Slice', 'asciiSlice', 'hexSlice', 'copy', 'compare', 'byteLengthUtf8']);

/** Whether `url` is a script of this project under `dir` (not a package's file with the same folder name). */
const inProject = (url: string, dir: string): boolean => url.includes(dir) && !url.includes('/node_modules/');

/**
 * The component of one frame; the first rule that matches wins. Script rules look at the path inside the project
 * (or the package name under node_modules).
 */
const RULES: readonly [component: string, test: (url: string, name: string) => boolean][] = [
  ['idle', (url, name) => url === '' && name === '(idle)'],
  ['garbage collection', (url, name) => url === '' && name === '(garbage collector)'],
  ['XState (machine transitions)', (url) => url.includes('/node_modules/xstate/')],
  ['neverthrow (Result chains)', (url) => url.includes('/node_modules/neverthrow/')],
  ['encryption at rest', (url, name) => inProject(url, '/src/store/encryption/') || url.includes('internal/crypto/') || (url === '' && CRYPTO_NATIVE.has(name))],
  ['SQLite (native statements and commits)', (url, name) => url.includes('/node_modules/better-sqlite3/') || (url === '' && SQLITE_NATIVE.has(name))],
  ['event store (validation, JSON, batching, tail)', (url) => inProject(url, '/src/store/')],
  ['actors and persistence (src/runtime, machines)', (url) => inProject(url, '/src/runtime/') || inProject(url, '/machines/')],
  ['projections', (url) => inProject(url, '/projections/')],
  ['WebSocket hub and frames', (url, name) => inProject(url, '/src/server/ws/') || url.includes('uWebSockets') || url.includes('uws-js') || (url === '' && UWS_NATIVE.has(name))],
  ['session pool and agent', (url) => inProject(url, '/src/pool/') || inProject(url, '/src/agent/') || inProject(url, '/bench/support/in-process-agent')],
  ['server (routes, auth, audit, rate limits)', (url) => inProject(url, '/src/server/') || inProject(url, '/src/audit/')],
  ['promises and microtasks', (url, name) => (url === '' && (name === '(runMicrotasks)' || name === 'runMicrotasks')) || url.includes('internal/process/task_queues')],
  ['Node.js internals (buffers, timers, streams)', (url, name) => url.startsWith('node:') || (url === '' && BUFFER_NATIVE.has(name))],
  ['V8 and native code outside JavaScript', (url, name) => url === '' && name === '(program)'],
];

/** The component `url`/`functionName` belong to; `other` when no rule matches. */
export function componentOf(url: string, functionName: string): string {
  for (const [component, test] of RULES) if (test(url, functionName)) return component;
  return 'other';
}

/** Each component's share of the busy time in `profile`, largest first (idle left out). */
export function cpuBreakdown(profile: CpuProfile): ComponentShare[] {
  const componentOfNode = new Map<number, string>();
  for (const node of profile.nodes) componentOfNode.set(node.id, componentOf(node.callFrame.url, node.callFrame.functionName));
  const time = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const component = componentOfNode.get(profile.samples[i] as number) ?? 'other';
    if (component === 'idle') continue;
    const delta = profile.timeDeltas[i] ?? 0;
    time.set(component, (time.get(component) ?? 0) + delta);
    busy += delta;
  }
  return [...time]
    .map(([component, spent]) => ({ component, share: busy === 0 ? 0 : spent / busy }))
    .sort((a, b) => b.share - a.share);
}

/** One line per component: share, and its part of `perMessageMicros` (the measured CPU per message). */
export function formatBreakdown(shares: readonly ComponentShare[], perMessageMicros: number): string[] {
  return shares.map(
    ({ component, share }) => `  cpu share ${(share * 100).toFixed(1).padStart(5)}%  ≈${String(Math.round(share * perMessageMicros)).padStart(4)} µs/message  ${component}`,
  );
}
