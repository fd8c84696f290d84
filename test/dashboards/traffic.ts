/**
 * The traffic of the dashboard proof, against a server running the fake claude (auth off): sessions whose messages
 * inject every agent fault (crash, with a message queued behind it so that the recovery ends straight in `busy`;
 * garbage, exit, error, API retries, stall, hang, huge; one fault per session, so none gives up), a session that
 * crashes until it gives up (a failed recovery), a start that hangs (a `hang` fault), an outage of starts
 * that opens the `agent-spawn` breaker and a probe that closes it, API retries that open the `anthropic-api`
 * breaker; WebSocket clients that subscribe, one that never says `hello` and one that sends an oversized frame
 * (each dropped by the server). Returns what the clients saw the server drop.
 */
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { createSession, postMessage, sessionState } from '../reliability/support/api.js';

const USER = 'ada';
const QUIET_STATES = new Set(['ready', 'idle', 'failed', 'hibernated', 'terminated']);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the traffic did that the server's counters must agree with. */
export interface TrafficReport {
  /** Connections the server closed, by the drop reason their close code and reason stand for. */
  readonly drops: Readonly<Record<string, number>>;
  readonly sessions: readonly string[];
  readonly messages: number;
}

/** Polls until the session rests (two quiet reads in a row) or `timeoutMs` passes. */
async function quiet(base: string, sessionId: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  let state = '';
  while (Date.now() < deadline) {
    state = await sessionState(base, sessionId, USER);
    streak = QUIET_STATES.has(state) ? streak + 1 : 0;
    if (streak >= 2) return state;
    await sleep(150);
  }
  return state;
}

/** Sends `text`, retrying while the server refuses it (a breaker open, the pool saturated) for up to 10 s. */
async function send(base: string, sessionId: string, text: string, id: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const sent = await postMessage(base, sessionId, USER, text, `proof-${id}`);
    if (sent.status === 202) return true;
    await sleep(250);
  }
  return false;
}

/** A WebSocket client; resolves its close code and reason when the server closes it. */
function client(wsUrl: string): { socket: WebSocket; opened: Promise<void>; closed: Promise<{ code: number; reason: string }> } {
  const socket = new WebSocket(wsUrl);
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { socket, opened, closed };
}

/** Runs the traffic (see the module comment); `ratesFile` is the fake claude's `FAKE_CLAUDE_FAULT_RATES` file. */
export async function driveTraffic(base: string, ratesFile: string, log: (line: string) => void): Promise<TrafficReport> {
  const wsUrl = `${base.replace(/^http/, 'ws')}/api/v1/ws`;
  const drops: Record<string, number> = {};
  let messages = 0;
  const sessions: string[] = [];
  const newSession = async (): Promise<string> => {
    const id = await createSession(base, USER);
    sessions.push(id);
    return id;
  };
  const terminate = async (sessionId: string): Promise<void> => {
    await fetch(`${base}/api/v1/sessions/${sessionId}`, { method: 'DELETE', headers: { 'x-user-id': USER } });
  };
  const say = async (sessionId: string, text: string): Promise<void> => {
    if (await send(base, sessionId, text, messages)) messages += 1;
    else log(`  message refused for 10 s: ${text}`);
  };

  // A subscriber that follows the first session's events for the whole run.
  const faulty = await newSession();
  const watcher = client(wsUrl);
  await watcher.opened;
  watcher.socket.send(JSON.stringify({ type: 'hello', userId: USER, tenant: 'acme' }));
  watcher.socket.send(JSON.stringify({ type: 'subscribe', session: faulty, fromRevision: 0 }));
  watcher.socket.send('not a frame');

  log('  agent faults by message, each in a fresh session: crash (a message queued behind it), garbage, exit, error, stall, hang, huge');
  await say(faulty, 'hello');
  await quiet(base, faulty);
  await say(faulty, '::crash');
  await say(faulty, 'queued behind the crash');
  log(`    ::crash: ${await quiet(base, faulty)}`);
  await terminate(faulty);
  for (const text of ['::garbage 20', '::exit 3', '::error', '::stall', '::hang', '::huge 200000']) {
    const session = await newSession();
    await say(session, 'hello');
    await quiet(base, session);
    await say(session, text);
    const state = await quiet(base, session);
    await say(session, `after ${text}`);
    log(`    ${text}: ${state}, then ${await quiet(base, session)}`);
    await terminate(session);
  }

  log('  a session that gives up: crashes until error_recovery.max_consecutive_failures (3) is passed');
  const doomed = await newSession();
  for (let crash = 0; crash < 4; crash += 1) {
    await say(doomed, '::crash');
    await quiet(base, doomed);
  }
  log(`    ${await quiet(base, doomed)}`);
  await terminate(doomed);

  log('  the anthropic-api breaker: API retries open it, a probe turn closes it');
  const api = await newSession();
  await say(api, '::api-retry 3 answered after retries');
  await quiet(base, api);
  await sleep(700);
  await say(api, 'probe');
  await quiet(base, api);

  log('  a start that hangs (start_timeout), then recovers');
  writeFileSync(ratesFile, 'hang-on-start:1');
  const hanging = await newSession();
  await say(hanging, 'hello');
  await sleep(2_500);
  writeFileSync(ratesFile, '');
  await quiet(base, hanging, 20_000);

  log('  the agent-spawn breaker: starts fail until it opens, then a probe closes it');
  writeFileSync(ratesFile, 'crash-on-start:1');
  const unlucky = await newSession();
  await say(unlucky, 'hello');
  await sleep(2_500);
  writeFileSync(ratesFile, '');
  await quiet(base, unlucky, 20_000);
  const after = await newSession();
  await say(after, 'hello');
  await quiet(base, after, 20_000);

  log('  WebSocket drops: a client that never says hello, one that sends an oversized frame');
  const silent = client(wsUrl);
  const oversized = client(wsUrl);
  await Promise.all([silent.opened, oversized.opened]);
  oversized.socket.send(JSON.stringify({ type: 'hello', userId: USER, tenant: 'acme' }));
  await sleep(200);
  oversized.socket.send('x'.repeat(1536 * 1024));
  const closes = await Promise.all([silent.closed, oversized.closed]);
  for (const { code, reason } of closes) {
    const drop = code === 1009 ? 'frame_too_large' : reason === 'hello timeout' ? 'hello_timeout' : `unexpected close ${code} ${reason}`;
    drops[drop] = (drops[drop] ?? 0) + 1;
  }

  log('  sessions terminated (their open turns end now, not at shutdown)');
  for (const sessionId of sessions) await terminate(sessionId);
  watcher.socket.close(1000);
  await watcher.closed;
  return { drops, sessions, messages };
}
