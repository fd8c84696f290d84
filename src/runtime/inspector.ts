/**
 * Development aid: a host observer that reports every hosted actor (with its machine definition, so the Stately
 * inspector can draw it), every committed event and the snapshot it produced to `@statelyai/inspect`. It connects
 * only to the WebSocket URL it is given (default: loopback, `DEFAULT_INSPECTOR_URL`) and refuses to start in
 * production. `@statelyai/inspect` is loaded only when the hook connects, so production never loads it. A URL with
 * nothing listening is reported once per outage (`onUnreachable`) while the hook keeps retrying. Tests, or callers
 * with their own transport, pass an `inspector` and nothing connects at all.
 */
import type { createInspector } from '@statelyai/inspect';
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import type { ActorRefLike, AnyEventObject } from 'xstate';
import { DEFAULT_INSPECTOR_URL, INSPECTOR_FORBIDDEN_ENVIRONMENTS } from './constants.js';
import { inspectorRefused, type RuntimeError } from './errors.js';
import { InspectorSocket } from './inspector-socket.js';
import type { Commit, HostedActor, HostObserver } from './observer.js';

/** The part of a `@statelyai/inspect` inspector the hook uses (`createWebSocketInspector(...)` is one). */
export type InspectorLike = Pick<ReturnType<typeof createInspector>, 'actor' | 'event' | 'snapshot' | 'stop'>;

/** Options of {@link createInspectorHook}. */
export interface InspectorHookOptions {
  /** `ws://` or `wss://` URL of a Stately inspector bridge; default `DEFAULT_INSPECTOR_URL` (loopback). */
  readonly url?: string;
  /** The deployment environment (config profile or `NODE_ENV`); the hook refuses `production`. */
  readonly environment?: string;
  /** Report to this inspector instead of connecting to `url` (tests, custom transports); the caller stops it. */
  readonly inspector?: InspectorLike;
  /** Told once per outage that `url` cannot be reached, with the reason; the hook keeps retrying. */
  readonly onUnreachable?: (reason: string) => void;
  /** Told when a connection opens after `onUnreachable`. */
  readonly onConnected?: () => void;
  /** Wait between connection attempts (ms); default `INSPECTOR_RETRY_MS` (5 s). */
  readonly retryMs?: number;
}

/** The inspector hook: a host observer; `url` is where it reports, or `null` for an injected inspector. */
export interface InspectorHook extends HostObserver {
  readonly url: string | null;
}

type InspectedSnapshot = Parameters<InspectorLike['snapshot']>[1];

const inspected = (snapshot: unknown): InspectedSnapshot => {
  const { status, value, context } = snapshot as { status: InspectedSnapshot['status']; value: unknown; context: unknown };
  return { status, value, context };
};

/** What the inspector reads from an actor ref: its session id, and the machine (`logic.config`) for the diagram. */
const actorRefOf = (actor: HostedActor): ActorRefLike =>
  ({ sessionId: actor.stream, id: actor.stream, logic: actor.kind.machine, send: () => undefined, getSnapshot: () => actor.snapshot }) as ActorRefLike;

function checkUrl(url: string): Result<string, RuntimeError> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return err(inspectorRefused(`${JSON.stringify(url)} is not a URL`));
  }
  return parsed.protocol === 'ws:' || parsed.protocol === 'wss:' ? ok(url) : err(inspectorRefused(`the inspector URL must be ws:// or wss://, got ${url}`));
}

const loadLibraries = () => Promise.all([import('@statelyai/inspect'), import('ws')]);

/** Connects through our own socket adapter (see `inspector-socket.ts` for why not `createWebSocketInspector`). */
const connect = (url: string, options: InspectorHookOptions): ResultAsync<InspectorHook, RuntimeError> =>
  ResultAsync.fromPromise(loadLibraries(), (error) => inspectorRefused(`@statelyai/inspect cannot be loaded: ${String(error)}`)).map(
    ([{ createInspector }, { WebSocket }]) => {
      const socket = new InspectorSocket({
        url,
        WebSocket,
        ...(options.onUnreachable === undefined ? {} : { onUnreachable: options.onUnreachable }),
        ...(options.onConnected === undefined ? {} : { onConnected: options.onConnected }),
        ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
      });
      const inspector = createInspector(socket);
      inspector.start();
      return observe(inspector, url, true);
    },
  );

/** Reports actors, events and snapshots to an inspector given or connected to (see the module comment). */
export function createInspectorHook(options: InspectorHookOptions = {}): ResultAsync<InspectorHook, RuntimeError> {
  const environment = options.environment ?? process.env['NODE_ENV'];
  if (environment !== undefined && INSPECTOR_FORBIDDEN_ENVIRONMENTS.includes(environment)) {
    return errAsync(inspectorRefused(`the inspector is for development; environment is ${environment}`));
  }
  if (options.inspector !== undefined) return okAsync(observe(options.inspector, null, false));
  const url = checkUrl(options.url ?? DEFAULT_INSPECTOR_URL);
  return url.isErr() ? errAsync(url.error) : connect(url.value, options);
}

function observe(inspector: InspectorLike, url: string | null, owned: boolean): InspectorHook {
  return {
    url,
    actorStarted(actor) {
      inspector.actor(actorRefOf(actor), inspected(actor.snapshot));
    },
    committed(commit: Commit) {
      const event = commit.event as AnyEventObject;
      inspector.event(commit.stream, event);
      inspector.snapshot(commit.stream, inspected(commit.snapshot), { event });
    },
    close() {
      if (owned) inspector.stop();
    },
  };
}
