/**
 * Building a large SQLite event store for the restart benchmark (`bench/restart.ts`) out of real event streams:
 * 1. record: the real pool with the in-process agent writes a few dozen template sessions — created, a few
 *    messages with their turns completed, a participant joining now and then; then some are terminated, some
 *    hibernated, some left with their process (`idle`, as a crash would leave them) — and the log is read back
 *    before the pool closes (so the idle ones stay idle, and the pool and breaker streams are as that run left them);
 * 2. replicate: every template is copied many times with fresh session ids, event ids and other UUIDs (turn ids,
 *    correlation ids …: rewritten wherever they appear in data or metadata, and in the stream names `session-<id>`
 *    and `snapshot-session-<id>`), other users and tenants, and its timestamps moved back in time, by appending
 *    straight through the store port, one event per append and many sessions in flight at once, so streams
 *    interleave in the log as they would in a server that ran for weeks.
 * The mix: a few hundred live sessions (idle or hibernated), all the others terminated, until the target number of
 * events is reached.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { STREAM_PREFIX } from '../../src/runtime/index.js';
import { newEventId, SqliteEventStore, type EventStore, type ExpectedRevision, type JsonObject, type JsonValue, type RecordedEvent } from '../../src/store/index.js';
import { benchRequest, openBenchPool, StateWaiter } from './bench-pool.js';

/** How a template session ends the recording. */
type Ending = 'terminated' | 'hibernated' | 'idle';

/** One recorded session: its events, as JSON text to rewrite per copy. */
interface Template {
  readonly sessionId: string;
  readonly ending: Ending;
  readonly session: readonly TemplateEvent[];
  /** Events of its `snapshot-session-<id>` stream (a snapshot every 100 events), empty for short sessions. */
  readonly snapshots: readonly TemplateEvent[];
}

interface TemplateEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/** What the builder made. */
export interface BuiltStore {
  readonly events: number;
  readonly sessions: number;
  readonly live: { readonly idle: number; readonly hibernated: number };
  readonly terminated: number;
  readonly templates: number;
  readonly recordSeconds: number;
  readonly writeSeconds: number;
  readonly bytes: number;
  readonly otherStreams: readonly string[];
}

/** Options of {@link buildRestartStore}. */
export interface BuildOptions {
  /** About this many events in all (the last session may overshoot by its length). */
  readonly events: number;
  /** Sessions left live (not terminated): half idle with a process at the "crash", half hibernated. */
  readonly live: number;
  readonly log?: (line: string) => void;
}

/** Recorded template specs: turns per session and how it ends; lengths of the message texts vary by index. */
const TEMPLATE_TURNS = [0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12, 16, 40];
const ENDINGS: readonly Ending[] = ['terminated', 'hibernated', 'idle'];
const TEXT_LENGTHS = [24, 80, 200, 450, 900, 1600];
const RECORD_USER = 'recuser';
const RECORD_TENANT = 'rectenant';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const USER_TOKEN = new RegExp(`${RECORD_USER}(\\d+)`, 'g');
const TENANT_TOKEN = new RegExp(RECORD_TENANT, 'g');
/** Thirteen-digit integers: epoch milliseconds (the recording's fall in a window a few seconds wide). */
const EPOCH_MS = /\b1\d{12}\b/g;
/** How far back the copies' timestamps are spread. */
const HISTORY_MS = 30 * 24 * 3600 * 1000;
/** Sessions appending at once while writing (each one event per append). */
const WRITERS = 256;

const LOREM =
  'Please look at the failing test in src/pool and explain why the warm set is empty after a restart; then propose a fix, ' +
  'run the unit tests, and summarise the diff. Keep the public API unchanged and mention any risk for hibernated sessions. ';

function textOf(length: number, turn: number): string {
  const base = `turn ${turn}: ${LOREM.repeat(Math.ceil(length / LOREM.length) + 1)}`;
  return base.slice(0, length);
}

/** Records the template sessions with the real pool (in-process agent) and returns them with the other streams. */
async function record(): Promise<{ templates: Template[]; others: Map<string, RecordedEvent[]>; window: [number, number] }> {
  const from = Date.now();
  const bench = await openBenchPool('in-process', {
    'session_pool.min_size': 0,
    'session_pool.max_size': 1000,
    'agent.max_processes': 0,
    'agent.memory_budget': '1024GiB',
    'agent.process_memory_estimate': '1MiB',
  });
  const { pool } = bench;
  try {
    const waiter = new StateWaiter(pool);
    const completed = new Map<string, () => void>();
    const stop = pool.subscribe((notice) => {
      if (notice.kind !== 'commit' || notice.commit.type !== 'TurnCompleted') return;
      const turnId = (notice.commit.event as { turnId?: string }).turnId;
      if (turnId === undefined) return;
      completed.get(turnId)?.();
      completed.delete(turnId);
    });
    const endings = new Map<string, Ending>();
    let index = 0;
    const jobs: Promise<void>[] = [];
    for (const turns of TEMPLATE_TURNS) {
      for (const ending of ENDINGS) {
        const i = index++;
        jobs.push(
          (async () => {
            const sessionId = randomUUID();
            const owner = `${RECORD_USER}${i % 8}`;
            const ready = waiter.until(sessionId, 'ready');
            (await pool.create({ ...benchRequest(owner), tenant: RECORD_TENANT }, { sessionId }))._unsafeUnwrap();
            await ready;
            if (i % 4 === 1) (await pool.join(sessionId, `${RECORD_USER}${(i + 3) % 8}`, 'editor'))._unsafeUnwrap();
            for (let turn = 0; turn < turns; turn++) {
              const turnId = randomUUID();
              const done = new Promise<void>((resolve) => completed.set(turnId, resolve));
              const text = textOf(TEXT_LENGTHS[(i + turn) % TEXT_LENGTHS.length] as number, turn);
              (await pool.send(sessionId, { userId: owner, text, turnId, clientMsgId: randomUUID() }))._unsafeUnwrap();
              await done;
            }
            if (ending === 'terminated') {
              const terminated = waiter.until(sessionId, 'terminated');
              (await pool.terminate(sessionId, 'closed by user'))._unsafeUnwrap();
              await terminated;
            } else if (ending === 'hibernated') {
              const hibernated = waiter.until(sessionId, 'hibernated');
              (await pool.hibernate(sessionId, 'idle'))._unsafeUnwrap();
              await hibernated;
            }
            endings.set(sessionId, ending);
          })(),
        );
      }
    }
    await Promise.all(jobs);
    stop();
    waiter.close();
    const log = (await bench.store.readAll())._unsafeUnwrap();
    const to = Date.now();
    const byStream = new Map<string, RecordedEvent[]>();
    for (const event of log) {
      const list = byStream.get(event.stream) ?? [];
      list.push(event);
      byStream.set(event.stream, list);
    }
    const asTemplate = (event: RecordedEvent): TemplateEvent => ({ id: event.id, type: event.type, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata) });
    const templates: Template[] = [];
    for (const [sessionId, ending] of endings) {
      const stream = `${STREAM_PREFIX.session}${sessionId}`;
      const snapshotStream = `${STREAM_PREFIX.snapshot}${stream}`;
      templates.push({ sessionId, ending, session: (byStream.get(stream) ?? []).map(asTemplate), snapshots: (byStream.get(snapshotStream) ?? []).map(asTemplate) });
      byStream.delete(stream);
      byStream.delete(snapshotStream);
    }
    return { templates, others: byStream, window: [from, to] };
  } finally {
    await bench.close();
  }
}

/** One copy of a template: its new names and a rewriter of its JSON text. */
function copier(template: Template, copy: number, copies: number, window: [number, number]): { session: string; rewrite: (event: TemplateEvent) => { id: string; type: string; data: JsonValue; metadata: JsonObject } } {
  const ids = new Map<string, string>();
  const eventIds = new Set<string>([...template.session, ...template.snapshots].map((event) => event.id));
  const mapId = (id: string): string => {
    let mapped = ids.get(id);
    if (mapped === undefined) {
      mapped = eventIds.has(id) ? newEventId() : randomUUID();
      ids.set(id, mapped);
    }
    return mapped;
  };
  // Older copies further back: copy 0 is ~30 days old, the last one is from the recording's own time.
  const shift = -Math.round(HISTORY_MS * (1 - copy / Math.max(1, copies)));
  const [from, to] = window;
  const tenant = `team-${copy % 23}`;
  const rewriteText = (text: string): string =>
    text
      .replace(UUID, mapId)
      .replace(USER_TOKEN, (_, n: string) => `user-${(copy * 7 + Number(n)) % 2500}`)
      .replace(TENANT_TOKEN, tenant)
      .replace(EPOCH_MS, (ms) => {
        const value = Number(ms);
        return value >= from && value <= to ? String(value + shift) : ms;
      });
  return {
    session: `${STREAM_PREFIX.session}${mapId(template.sessionId)}`,
    rewrite: (event) => ({
      id: mapId(event.id),
      type: event.type,
      data: JSON.parse(rewriteText(event.data)) as JsonValue,
      metadata: JSON.parse(rewriteText(event.metadata)) as JsonObject,
    }),
  };
}

function check<T>(result: { isErr(): boolean; _unsafeUnwrap(): T; _unsafeUnwrapErr(): unknown }, what: string): T {
  if (result.isErr()) throw new Error(`${what}: ${JSON.stringify(result._unsafeUnwrapErr(), (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
  return result._unsafeUnwrap();
}

async function appendOneByOne(store: EventStore, stream: string, events: readonly { id: string; type: string; data: JsonValue; metadata: JsonObject }[]): Promise<void> {
  let expected: ExpectedRevision = 'no_stream';
  for (const event of events) {
    const appended = await store.append(stream, [event], { expectedRevision: expected });
    expected = check(appended, `appending to ${stream}`).nextExpectedRevision;
  }
}

/** Builds the store file at `file` (which must not exist). */
export async function buildRestartStore(file: string, options: BuildOptions): Promise<BuiltStore> {
  const log = options.log ?? (() => undefined);
  const recordStarted = performance.now();
  const { templates, others, window } = await record();
  const recordSeconds = (performance.now() - recordStarted) / 1000;
  const sizeOf = (template: Template): number => template.session.length + template.snapshots.length;
  const live = templates.filter((template) => template.ending !== 'terminated');
  const terminated = templates.filter((template) => template.ending === 'terminated');
  log(
    `  recorded ${templates.length} template sessions in ${recordSeconds.toFixed(1)}s: ${templates.map(sizeOf).join(' ')} events;` +
      ` other streams: ${[...others].map(([stream, events]) => `${stream} (${events.length})`).join(', ')}`,
  );

  // The plan: `options.live` copies of the live templates (round robin), then terminated ones until the target.
  const plan: Template[] = [];
  let planned = [...others.values()].reduce((total, events) => total + events.length, 0);
  for (let i = 0; i < options.live; i++) {
    const template = live[i % live.length] as Template;
    plan.push(template);
    planned += sizeOf(template);
  }
  for (let i = 0; planned < options.events; i++) {
    const template = terminated[i % terminated.length] as Template;
    plan.push(template);
    planned += sizeOf(template);
  }
  // Live sessions spread over the history like the others (a deterministic shuffle).
  for (let i = plan.length - 1; i > 0; i--) {
    const j = (i * 2654435761) % (i + 1);
    [plan[i], plan[j]] = [plan[j] as Template, plan[i] as Template];
  }

  const writeStarted = performance.now();
  const store = check(SqliteEventStore.open(file, { durability: 'normal' }), `opening ${file}`);
  try {
    // The pool's and breakers' streams first, as the recording wrote them.
    for (const [stream, events] of others) {
      const copied = events.map((event) => ({ id: event.id, type: event.type, data: event.data, metadata: event.metadata }));
      if (!stream.startsWith(STREAM_PREFIX.snapshot)) await appendOneByOne(store, stream, copied);
      else {
        check(await store.setStreamMetadata(stream, { maxCount: 1 }), `metadata of ${stream}`);
        for (const event of copied) check(await store.append(stream, [event], { expectedRevision: 'any' }), `appending to ${stream}`);
      }
    }
    let next = 0;
    let written = 0;
    let lastReport = performance.now();
    const writer = async (): Promise<void> => {
      while (next < plan.length) {
        const copy = next++;
        const template = plan[copy] as Template;
        const { session, rewrite } = copier(template, copy, plan.length, window);
        await appendOneByOne(store, session, template.session.map(rewrite));
        if (template.snapshots.length > 0) {
          const snapshotStream = `${STREAM_PREFIX.snapshot}${session}`;
          check(await store.setStreamMetadata(snapshotStream, { maxCount: 1 }), `metadata of ${snapshotStream}`);
          for (const event of template.snapshots.map(rewrite)) check(await store.append(snapshotStream, [event], { expectedRevision: 'any' }), `appending to ${snapshotStream}`);
        }
        written += sizeOf(template);
        if (performance.now() - lastReport > 5000) {
          lastReport = performance.now();
          log(`  … ${written.toLocaleString('en-US')} events (${Math.round(written / ((lastReport - writeStarted) / 1000)).toLocaleString('en-US')}/s)`);
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
  } finally {
    await store.close();
  }
  // Fold the WAL into the main file, so a copy of the one file is the whole store.
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const writeSeconds = (performance.now() - writeStarted) / 1000;
  const copiesOf = (ending: Ending): number => plan.filter((template) => template.ending === ending).length;
  return {
    events: planned,
    sessions: plan.length,
    live: { idle: copiesOf('idle'), hibernated: copiesOf('hibernated') },
    terminated: copiesOf('terminated'),
    templates: templates.length,
    recordSeconds,
    writeSeconds,
    bytes: statSync(file).size,
    otherStreams: [...others.keys()],
  };
}

/** A temporary directory for the benchmark's files. */
export function benchTempDir(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'aicli-bench-restart-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
