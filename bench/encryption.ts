/**
 * CPU cost of encryption at rest per message, in isolation: the store decorator over a store that keeps what it is
 * given (no JSON, no I/O), sealing the events one message makes (MessageAccepted, one AgentOutputReceived,
 * TurnCompleted) on append and opening them on read, against the same decorator with no current key (nothing
 * sealed, the cost of passing through). Rounds alternate off/on; medians. `npx tsx bench/encryption.ts [seconds]`.
 */
import { okAsync } from 'neverthrow';
import { SENSITIVE_FIELDS } from '../machines/index.js';
import { EMPTY_KEYRING, encryptAtRest, newKeyEntry, parseKeyring, type EventStore, type EventToAppend, type Keyring, type RecordedEvent } from '../src/store/index.js';

const seconds = Number(process.argv[2] ?? '2');
const text = 'Please summarise the last three commits and tell me which tests they touched.';
const reply = `Here is the summary: ${text.repeat(4)}`;
const message = (i: number): EventToAppend[] => [
  { id: `0190a1b2-0000-7000-8000-${String(i * 3).padStart(12, '0')}`, type: 'MessageAccepted', data: { type: 'MESSAGE_ACCEPTED', at: i, turnId: `t${i}`, text, userId: 'ada', clientMsgId: `c${i}` } },
  { id: `0190a1b2-0000-7000-8000-${String(i * 3 + 1).padStart(12, '0')}`, type: 'AgentOutputReceived', data: { type: 'AGENT_OUTPUT', at: i, turnId: `t${i}`, chunkType: 'assistant', content: { text: reply, message: { id: 'm', role: 'assistant', content: [{ type: 'text', text: reply }] } } } },
  { id: `0190a1b2-0000-7000-8000-${String(i * 3 + 2).padStart(12, '0')}`, type: 'TurnCompleted', data: { type: 'TURN_COMPLETED', at: i, turnId: `t${i}`, usage: { inputTokens: 10, outputTokens: 20, cacheReadTokens: 0, cacheCreationTokens: 0 }, costUsd: 0.001, isError: false, result: reply } },
];

/** Keeps the last append's events as recorded events, handing the same objects back on every read. */
function keepingStore(): EventStore {
  let kept: RecordedEvent[] = [];
  return {
    append: (stream: string, events: readonly EventToAppend[]) => {
      kept = events.map((event, i) => ({ id: event.id!, type: event.type, data: event.data, metadata: {}, stream, revision: BigInt(i), position: BigInt(i), recordedAt: new Date(0) }));
      return okAsync({ nextExpectedRevision: 2n, position: 2n });
    },
    readAll: () => okAsync(kept),
  } as unknown as EventStore;
}

async function run(keyring: Keyring): Promise<number> {
  const store = encryptAtRest(keepingStore(), { keyring, fields: SENSITIVE_FIELDS });
  const started = process.cpuUsage();
  const until = Date.now() + seconds * 1000;
  let messages = 0;
  while (Date.now() < until) {
    for (let k = 0; k < 100; k++, messages++) {
      (await store.append('session-1', message(messages), { expectedRevision: 'any' }))._unsafeUnwrap();
      (await store.readAll())._unsafeUnwrap();
    }
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / messages;
}

const keys = parseKeyring(newKeyEntry('k1'), 'bench')._unsafeUnwrap();
const off: number[] = [];
const on: number[] = [];
for (let round = 0; round < 5; round++) {
  off.push(await run(EMPTY_KEYRING));
  on.push(await run(keys));
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const list = (values: number[]): string => values.map((value) => value.toFixed(1)).join(', ');
console.log(`off: ${list(off)} µs CPU/message`);
console.log(`on:  ${list(on)} µs CPU/message`);
console.log(`encryption: ${(median(on) - median(off)).toFixed(1)} µs CPU per message (seal + open of its 3 events; medians ${median(off).toFixed(1)} → ${median(on).toFixed(1)})`);
