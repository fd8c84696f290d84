/**
 * Fuzz of `/api/v1/ws` against a real server on loopback: fast-check generates client frames (random JSON, frames
 * of every type with wrong types, missing and unknown fields, unknown types, text at and over the send cap, frames
 * over `server.max_body_size`, binary frames, text frames that are not UTF-8, and now and then a valid `send`),
 * sent on a connection that has said `hello` or one that has not. Every frame gets exactly the documented answer:
 * a typed `error` frame (never `internal_error`), the answer of a valid frame, or a documented close (1009 for a
 * frame too large; 1006 from the transport for invalid UTF-8). The server never stops serving, and stored data is
 * unchanged except for the valid sends: the session's history before is a prefix of the history after, with one
 * `MessageAccepted` per acknowledged send and no other session created.
 * `AICLI_FUZZ_RUNS` sets the number of cases (default 300; soak runs use ≥10,000); a count line is printed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { API_ERROR_CODES } from '../../src/server/errors.js';
import { MAX_MESSAGE_CHARS } from '../../src/server/routes/schemas.js';
import { CLIENT_FRAME, SERVER_FRAME, WS_CLOSE, WS_CLOSE_REASON } from '../../src/server/ws/protocol.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { WsClient, type Frame } from '../ws/ws-client.js';

const RUNS = Number(process.env['AICLI_FUZZ_RUNS'] ?? '300');
const PATH = '/api/v1/ws';
const BODY_LIMIT = 256 * 1024;
const ANSWER_TIMEOUT_MS = 10_000;
/** uWS fails a connection on a text frame that is not UTF-8 without a close frame (RFC 6455 §8.1). */
const TRANSPORT_CLOSED = 1006;

/** One generated frame: text (maybe JSON), raw bytes sent as a text frame, or a binary frame. */
type Payload = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'utf8-invalid'; readonly bytes: Uint8Array } | { readonly kind: 'binary'; readonly bytes: Uint8Array };

interface Case {
  readonly greeted: boolean;
  readonly payload: Payload;
}

const json = (value: unknown): Payload => ({ kind: 'text', text: JSON.stringify(value) });
const types = Object.values(CLIENT_FRAME);
const field = fc.string({ maxLength: 12 });
const jsonValue = fc.jsonValue({ maxDepth: 2 });
let refs = 0;
/** A fresh `ref`, so the answer can be told apart (frames whose ref is fuzzed themselves carry a non-string one). */
const withRef = (frame: Record<string, unknown>): Record<string, unknown> => ('ref' in frame ? frame : { ...frame, ref: `f${refs++}` });

/** Valid-looking frames of each type, for the generators to break. */
const template = (type: string, session: string): Record<string, unknown> =>
  ({
    hello: { type, userId: 'fuzz', tenant: 'acme' },
    subscribe: { type, session: 'no-such-session', fromRevision: 0 },
    unsubscribe: { type, session: 'no-such-session' },
    send: { type, session, text: 'fuzz', clientMsgId: 'fuzz' },
    interrupt: { type, session: 'no-such-session' },
    presence: { type, session, status: 'typing' },
  })[type] ?? { type };

const payload = (session: string): fc.Arbitrary<Payload> =>
  fc.oneof(
    // Any JSON at all, and text that is not JSON.
    fc.jsonValue().map((value) => json(value)),
    fc.string({ unit: 'binary', maxLength: 64 }).map((text) => ({ kind: 'text', text }) as const),
    // Objects with a known or unknown type and random fields.
    fc.record({ type: fc.oneof(fc.constantFrom(...types), field, jsonValue), extra: fc.dictionary(field, jsonValue, { maxKeys: 4 }) }).map(({ type, extra }) => json(withRef({ ...extra, type }))),
    // A known frame with one field set to a wrong value, one removed, or one unknown field added.
    fc.tuple(fc.constantFrom(...types), fc.nat(), jsonValue).map(([type, pick, value]) => {
      const frame = template(type, session);
      const keys = Object.keys(frame).filter((key) => key !== 'type');
      const key = keys[pick % Math.max(keys.length, 1)] ?? 'session';
      return json(withRef({ ...frame, [key]: value }));
    }),
    fc.tuple(fc.constantFrom(...types), fc.nat()).map(([type, pick]) => {
      const frame = template(type, session);
      const keys = Object.keys(frame);
      delete frame[keys[pick % keys.length] as string];
      return json(withRef(frame));
    }),
    fc.tuple(fc.constantFrom(...types), field.filter((key) => !['type', 'ref'].includes(key))).map(([type, key]) => json(withRef({ ...template(type, session), [`x${key}`]: 1 }))),
    // Sends around the text cap, and frames over the body limit.
    fc.integer({ min: -2, max: 2 }).map((delta) => json(withRef({ type: 'send', session, text: 'y'.repeat(MAX_MESSAGE_CHARS + delta), clientMsgId: `cap${refs}` }))),
    fc.integer({ min: BODY_LIMIT - 64, max: BODY_LIMIT + 64 }).map((size) => ({ kind: 'text', text: ' '.repeat(size) }) as const),
    // Binary frames and text frames that are not UTF-8.
    fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'binary', bytes }) as const),
    fc.uint8Array({ minLength: 1, maxLength: 32 }).map((bytes) => ({ kind: 'utf8-invalid', bytes: Uint8Array.from([0x7b, 0xc3, 0x28, ...bytes]) }) as const),
    // Now and then a valid send: it must be acknowledged and stored.
    fc.string({ minLength: 1, maxLength: 40 }).filter((text) => !text.includes('::')).map((text) => json(withRef({ type: 'send', session, text, clientMsgId: `valid${refs}` }))),
  );

/** How one case ended. */
type Outcome = { readonly kind: 'frame'; readonly frame: Frame } | { readonly kind: 'closed'; readonly code: number; readonly reason: string };

/** The fields docs/websocket.md documents for each client frame (the oracle for which frames are valid). */
const DOCUMENTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  hello: ['type', 'token', 'userId', 'tenant', 'client', 'ref'],
  subscribe: ['type', 'session', 'fromRevision', 'ref'],
  unsubscribe: ['type', 'session', 'ref'],
  send: ['type', 'session', 'text', 'clientMsgId', 'ref'],
  interrupt: ['type', 'session', 'ref'],
  presence: ['type', 'session', 'status', 'ref'],
};

/** The sent frame as an object, when it was a JSON object. */
function sentObject(payload: Payload): Record<string, unknown> | null {
  if (payload.kind !== 'text') return null;
  try {
    const value = JSON.parse(payload.text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The `ref` the server will echo, if the text is a JSON object with a string `ref`. */
function refOf(payload: Payload): string | undefined {
  if (payload.kind !== 'text') return undefined;
  try {
    const value = JSON.parse(payload.text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { ref?: unknown }).ref === 'string') return (value as { ref: string }).ref;
  } catch {
    // Not JSON: answered without a ref.
  }
  return undefined;
}

describe('websocket fuzz', () => {
  it('answers every generated frame with a typed error, its valid answer or a documented close; stored data stays intact', async () => {
    const api = await startTestApi({
      'server.max_body_size': '256KiB',
      'web_interface.websocket.hello_timeout': '1h',
      'web_interface.websocket.max_unauthenticated_per_address': 1000,
      'agent.max_queued_messages': 1000,
    });
    const url = `${api.wsUrl}${PATH}`;
    const session = (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
    const stream = `session-${session}`;
    const sessionsBefore = await sessionStreams(api);
    const before = (await api.store.readStream(stream))._unsafeUnwrap();

    const connect = async (greeted: boolean): Promise<WsClient> => (greeted ? WsClient.hello(url, { userId: 'ada', tenant: 'acme' }) : WsClient.open(url));
    const clients = { greeted: await connect(true), fresh: await connect(false) };
    const counts: Record<string, number> = { cases: 0, errors: 0, closes: 0, acks: 0, otherAnswers: 0 };
    const acked = new Set<string>();

    const answer = async (client: WsClient, sent: Payload): Promise<Outcome> => {
      const ref = refOf(sent);
      const frame = client
        .next((received) => (ref === undefined ? received.type === SERVER_FRAME.error && received['ref'] === undefined : received['ref'] === ref), ANSWER_TIMEOUT_MS)
        .then((found): Outcome => ({ kind: 'frame', frame: found }));
      frame.catch(() => undefined);
      const closed = client.closed.then((end): Outcome => ({ kind: 'closed', ...end }));
      return Promise.race([frame, closed]);
    };

    await fc.assert(
      fc.asyncProperty(fc.record({ greeted: fc.boolean(), payload: payload(session) }), async ({ greeted, payload: sent }: Case) => {
        counts['cases']!++;
        const client = greeted ? clients.greeted : clients.fresh;
        client.frames.length = 0;
        if (sent.kind === 'text') client.send(sent.text);
        else client.socket.send(sent.bytes, { binary: sent.kind === 'binary' });
        const outcome = await answer(client, sent);
        if (outcome.kind === 'closed') {
          counts['closes']!++;
          const tooLarge = sent.kind === 'text' && Buffer.byteLength(sent.text) > BODY_LIMIT;
          if (tooLarge) expect(outcome).toEqual({ kind: 'closed', code: WS_CLOSE.tooLarge, reason: WS_CLOSE_REASON.tooLarge });
          else expect(outcome).toMatchObject({ kind: 'closed', code: TRANSPORT_CLOSED, reason: '' });
          if (!tooLarge) expect(sent.kind).toBe('utf8-invalid');
          if (greeted) clients.greeted = await connect(true);
          else clients.fresh = await connect(false);
          return;
        }
        const { frame } = outcome;
        if (frame.type === SERVER_FRAME.error) {
          counts['errors']!++;
          expect(Object.values(API_ERROR_CODES)).toContain(frame['code']);
          expect(frame['code']).not.toBe(API_ERROR_CODES.internal);
          expect(typeof frame['message']).toBe('string');
          return;
        }
        // Not an error: only a valid frame may be answered so, which has only documented fields and text within the cap.
        const object = sentObject(sent);
        expect(object).not.toBeNull();
        const documented = DOCUMENTED_FIELDS[String(object?.['type'])] ?? [];
        expect(Object.keys(object ?? {}).filter((key) => !documented.includes(key))).toEqual([]);
        if (frame.type === SERVER_FRAME.ack) {
          expect(String(object?.['text']).length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
          counts['acks']!++;
          expect(greeted).toBe(true);
          // A repeated clientMsgId is acknowledged as a duplicate of the first, and stored once.
          expect(frame['duplicate']).toBe(acked.has(String(frame['clientMsgId'])));
          acked.add(String(frame['clientMsgId']));
          return;
        }
        counts['otherAnswers']!++;
        expect([SERVER_FRAME.welcome, SERVER_FRAME.unsubscribed]).toContain(frame.type);
        if (frame.type === SERVER_FRAME.welcome) {
          // The fresh connection said a valid hello: keep one that has not.
          expect(greeted).toBe(false);
          clients.fresh.close();
          clients.fresh = await connect(false);
        }
      }),
      { numRuns: RUNS },
    );

    // The server still serves, and stored data changed only by the acknowledged sends.
    expect((await fetch(`${api.url}/api/v1/sessions/${session}`, { headers: { 'x-user-id': 'ada', 'x-tenant-id': 'acme' } })).status).toBe(200);
    const after = (await api.store.readStream(stream))._unsafeUnwrap();
    expect(after.slice(0, before.length)).toEqual(before);
    const accepted = after.slice(before.length).filter((event) => event.type === 'MessageAccepted').map((event) => String((event.data as { clientMsgId?: unknown }).clientMsgId));
    expect(new Set(accepted)).toEqual(acked);
    expect(accepted.length).toBe(acked.size);
    expect(await sessionStreams(api)).toEqual(sessionsBefore);
    clients.greeted.close();
    clients.fresh.close();
    console.log(`ws fuzz: ${counts['cases']} cases, ${counts['errors']} typed error frames, ${counts['closes']} documented closes, ${counts['acks']} valid sends acknowledged, ${counts['otherAnswers']} other valid answers, 0 internal errors`);
  }, Math.max(60_000, RUNS * 50));
});

/** Names of the stored session streams. */
async function sessionStreams(api: TestApi): Promise<string[]> {
  return (await api.store.listStreams())._unsafeUnwrap().map((summary) => summary.stream).filter((name) => name.startsWith('session-')).sort();
}
