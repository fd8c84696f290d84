/**
 * A WebSocket client that sends one user's messages to one session the way a careful client does: one message
 * at a time, each until its `ack`; after a reconnect it first resends, with the same `clientMsgId`, every message
 * no ack confirmed (the server must not store it twice). Everything it sends and hears goes into the ledger.
 */
import WebSocket from 'ws';
import { WsClient, type Frame } from '../../ws/ws-client.js';
import type { MessageLedger, SentMessage } from './message-ledger.js';
import type { SeededRandom } from './seeded-random.js';
import { sleep } from './wait.js';

/** What one sender does. */
export interface SenderOptions {
  readonly wsUrl: string;
  readonly sessionId: string;
  readonly userId: string;
  /** Prefix of its `clientMsgId`s. */
  readonly label: string;
  readonly ledger: MessageLedger;
  readonly random: SeededRandom;
  /** Pause between messages, drawn from [min, max] ms. */
  readonly pauseMs: readonly [number, number];
  /** The text of a new message. */
  readonly text?: (clientMsgId: string) => string;
  /** Only resend unacknowledged messages, then stop. */
  readonly resendOnly?: boolean;
  /** Checked before each message: stop when true. */
  readonly stop: () => boolean;
}

/** How a sender's run went. */
export interface SenderRun {
  readonly connected: boolean;
  readonly sent: number;
  readonly acks: number;
  /** Error frames by code. */
  readonly errors: Record<string, number>;
  /** Why it stopped. */
  readonly ended: 'stopped' | 'closed' | 'timeout' | 'session closed' | 'connect failed';
}

/** Codes after which this session takes no more messages from us. */
const FINAL_CODES = new Set(['conflict', 'not_found', 'forbidden']);
const REPLY_TIMEOUT_MS = 10_000;

/** Connects, then sends until `stop()`, the connection closes, or (with `resendOnly`) nothing is left to resend. */
export async function runSender(options: SenderOptions): Promise<SenderRun> {
  let client: WsClient;
  try {
    client = await WsClient.hello(options.wsUrl, { userId: options.userId });
  } catch {
    return { connected: false, sent: 0, acks: 0, errors: {}, ended: 'connect failed' };
  }
  const errors: Record<string, number> = {};
  let sent = 0;
  let acks = 0;
  let ended: SenderRun['ended'] = 'stopped';
  while (!options.stop()) {
    const message: SentMessage | undefined =
      options.ledger.unacked(options.sessionId, options.userId)[0] ??
      (options.resendOnly === true ? undefined : options.ledger.create(options.sessionId, options.userId, options.label, options.text));
    if (message === undefined) break;
    message.attempts += 1;
    const ref = `${message.clientMsgId}#${message.attempts}`;
    client.send({ type: 'send', session: message.sessionId, text: message.text, clientMsgId: message.clientMsgId, ref });
    sent += 1;
    const reply = await replyTo(client, ref);
    if (reply === 'closed' || reply === 'timeout') {
      ended = reply;
      break;
    }
    if (reply.type === 'ack') {
      message.ackTurnIds.push(String(reply['turnId']));
      acks += 1;
    } else {
      const code = String(reply['code']);
      message.refusals.push(code);
      errors[code] = (errors[code] ?? 0) + 1;
      if (FINAL_CODES.has(code)) {
        ended = 'session closed';
        break;
      }
    }
    await sleep(options.random.int(options.pauseMs[0], options.pauseMs[1]));
  }
  client.close();
  return { connected: true, sent, acks, errors, ended };
}

/** The `ack` or `error` frame answering `ref`, or how the wait ended; takes the frame out of `client.frames`. */
function replyTo(client: WsClient, ref: string): Promise<Frame | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const finish = (result: Frame | 'closed' | 'timeout'): void => {
      clearTimeout(timer);
      client.socket.off('message', check);
      client.socket.off('close', onClose);
      resolve(result);
    };
    const check = (): void => {
      const index = client.frames.findIndex((frame) => frame['ref'] === ref && (frame.type === 'ack' || frame.type === 'error'));
      if (index >= 0) finish(client.frames.splice(index, 1)[0]!);
    };
    const onClose = (): void => finish('closed');
    const timer = setTimeout(() => finish('timeout'), REPLY_TIMEOUT_MS);
    client.socket.on('message', check);
    client.socket.on('close', onClose);
    if (client.socket.readyState !== WebSocket.OPEN) finish('closed');
    else check();
  });
}
