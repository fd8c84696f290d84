/**
 * One WebSocket to `/api/v1/ws` for the whole page, reconnecting on its own (250 ms, doubling to 4 s). Every
 * subscription remembers the last revision it got; after a reconnect it subscribes again from the next one, and an
 * event at or below it is dropped, so a session's events reach the page once each and in order, across restarts of
 * the server and network drops. Messages not yet acknowledged are sent again with the same `clientMsgId` (the
 * server answers a repeat with the first ack and sends nothing twice).
 */
import { CLIENT_FRAME, SERVER_FRAME } from '../../src/server/ws/frame-names.js';
import { helloFields, type Credentials } from './credentials.js';

/** One stored event of a session, as the `event` frame carries it. */
export interface StreamEvent {
  readonly revision: number;
  readonly eventType: string;
  readonly data: any;
  readonly at: number;
}

/** What a subscriber of one session is told. */
export interface SessionListener {
  event(event: StreamEvent): void;
  presence?(users: readonly { userId: string; status: string; connections: number }[]): void;
  ack?(clientMsgId: string, revision: number): void;
  error?(code: string, message: string, ref: string | undefined): void;
  approved?(requestId: string): void;
}

/** The connection's state, for the page's indicator. */
export type ConnectionState = 'connecting' | 'open' | 'closed';

interface Subscription {
  last: number;
  readonly listener: SessionListener;
}

interface PendingSend {
  readonly session: string;
  readonly text: string;
  readonly clientMsgId: string;
}

export class ConsoleSocket {
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #unacked = new Map<string, PendingSend>();
  readonly #stateListeners = new Set<(state: ConnectionState, detail: string) => void>();
  #socket: WebSocket | null = null;
  #ready = false;
  #delay = 250;
  #stopped = false;
  #refs = 0;
  /** Connections opened so far: more than one means the page reconnected. */
  connections = 0;

  constructor(private readonly credentials: Credentials) {
    this.#connect();
  }

  onState(listener: (state: ConnectionState, detail: string) => void): () => void {
    this.#stateListeners.add(listener);
    listener(this.#ready ? 'open' : 'connecting', '');
    return () => this.#stateListeners.delete(listener);
  }

  /** Follows `session` from revision `from` (0: its whole history). */
  subscribe(session: string, listener: SessionListener, from = 0): void {
    this.#subscriptions.set(session, { last: from - 1, listener });
    if (this.#ready) this.#sendSubscribe(session);
  }

  unsubscribe(session: string): void {
    if (!this.#subscriptions.delete(session)) return;
    this.#frame({ type: CLIENT_FRAME.unsubscribe, session });
  }

  send(session: string, text: string, clientMsgId: string): void {
    this.#unacked.set(clientMsgId, { session, text, clientMsgId });
    this.#frame({ type: CLIENT_FRAME.send, session, text, clientMsgId, ref: clientMsgId });
  }

  interrupt(session: string): void {
    this.#frame({ type: CLIENT_FRAME.interrupt, session });
  }

  approve(session: string, requestId: string, decision: { behavior: 'allow' | 'deny'; updatedInput?: unknown; message?: string; always?: boolean }): void {
    this.#frame({ type: CLIENT_FRAME.approve, session, requestId, ...decision, ref: `approve:${requestId}` });
  }

  presence(session: string, status: 'watching' | 'typing' | 'idle'): void {
    if (this.#subscriptions.has(session)) this.#frame({ type: CLIENT_FRAME.presence, session, status });
  }

  close(): void {
    this.#stopped = true;
    this.#socket?.close(1000, 'signed out');
  }

  #frame(frame: Record<string, unknown>): void {
    // Before `welcome` nothing is sent; what matters is sent again on (re)connect.
    if (this.#ready && this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(frame));
  }

  #sendSubscribe(session: string): void {
    const subscription = this.#subscriptions.get(session)!;
    this.#frame({ type: CLIENT_FRAME.subscribe, session, fromRevision: subscription.last + 1, ref: `sub:${++this.#refs}` });
  }

  #tell(state: ConnectionState, detail: string): void {
    for (const listener of this.#stateListeners) listener(state, detail);
  }

  #connect(): void {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}/api/v1/ws`);
    this.#socket = socket;
    this.#tell('connecting', '');
    socket.onopen = () => socket.send(JSON.stringify({ type: CLIENT_FRAME.hello, client: 'aicli-console/1', ...helloFields(this.credentials) }));
    socket.onmessage = ({ data }) => this.#receive(JSON.parse(String(data)));
    socket.onclose = ({ code, reason }) => {
      this.#ready = false;
      if (this.#socket !== socket) return;
      this.#tell('closed', `${code}${reason === '' ? '' : ` ${reason}`}`);
      if (this.#stopped || code === 4001) return;
      setTimeout(() => this.#connect(), this.#delay);
      this.#delay = Math.min(this.#delay * 2, 4000);
    };
  }

  #receive(frame: any): void {
    switch (frame.type) {
      case SERVER_FRAME.welcome:
        this.#ready = true;
        this.#delay = 250;
        this.connections++;
        this.#tell('open', '');
        for (const session of this.#subscriptions.keys()) this.#sendSubscribe(session);
        for (const pending of this.#unacked.values()) this.#frame({ type: CLIENT_FRAME.send, ...pending, ref: pending.clientMsgId });
        return;
      case SERVER_FRAME.event: {
        const subscription = this.#subscriptions.get(frame.session);
        if (subscription === undefined || frame.revision <= subscription.last) return;
        subscription.last = frame.revision;
        subscription.listener.event({ revision: frame.revision, eventType: frame.eventType, data: frame.data, at: frame.at });
        return;
      }
      case SERVER_FRAME.presence:
        this.#subscriptions.get(frame.session)?.listener.presence?.(frame.users);
        return;
      case SERVER_FRAME.ack: {
        const pending = this.#unacked.get(frame.clientMsgId);
        this.#unacked.delete(frame.clientMsgId);
        if (pending !== undefined) this.#subscriptions.get(pending.session)?.listener.ack?.(frame.clientMsgId, frame.revision);
        return;
      }
      case SERVER_FRAME.approved:
        this.#subscriptions.get(frame.session)?.listener.approved?.(frame.requestId);
        return;
      case SERVER_FRAME.error: {
        const pending = frame.ref === undefined ? undefined : this.#unacked.get(frame.ref);
        if (pending !== undefined) this.#unacked.delete(frame.ref);
        for (const subscription of this.#subscriptions.values()) subscription.listener.error?.(frame.code, frame.message, frame.ref);
        return;
      }
      default:
        return;
    }
  }
}
