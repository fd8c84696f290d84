/**
 * The `session-list` projection: one summary per session, folded from the `session-<id>` streams. A session's
 * state is the machine's state after each event (`metadata.to`); participants come from the provisioning owner and
 * the participant events; turns and usage from `TurnCompleted`; the last fault as `faults.ts` reads it. Terminated
 * sessions stay (with `endedAt`): the list endpoint filters them. Queries live in `session-list.query.ts`.
 */
import { SESSION_OUTCOME_NAME, SESSION_PERSISTED_NAME as S, SESSION_PROVISIONED, type ParticipantRole } from '../machines/session.events.js';
import { TURN_TAKING_STATES, type SessionStateValue } from '../machines/session.states.js';
import { atOf, numberOf, recordOf, sessionIdOf, stateAfter, stateBefore, stringOf, type ProjectedEvent, type Projection } from './event.js';
import { readFault, type FaultSeen } from './faults.js';
import { emptyIdMap, idMapGet, idMapSet, idMapValues, type IdMap } from './id-map.js';

/** A participant as the list shows it. */
export interface SessionParticipant {
  readonly userId: string;
  readonly role: string;
}

/** Token and cost totals over completed turns. */
export interface SessionListUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
}

/** One session as the list endpoint shows it. */
export interface SessionSummary {
  readonly sessionId: string;
  readonly tenant: string;
  readonly owner: string;
  /** The session machine's state value after the last event. */
  readonly state: string;
  readonly participants: readonly SessionParticipant[];
  readonly createdAt: number;
  /** As the session machine keeps it: the last init, turn start, output, result or recovery. */
  readonly lastActivityAt: number;
  readonly turns: number;
  readonly usage: SessionListUsage;
  readonly lastFault: FaultSeen | null;
  /** Revision of the last event of the session's stream folded in, as a decimal string. */
  readonly revision: string;
  readonly endedAt: number | null;
  readonly endReason: string | null;
}

/**
 * State of the `session-list` projection: the summaries by session id (read them with `getSession`,
 * `allSessions` or `listSessions`); `skipped` counts session events whose data could not be read.
 */
export interface SessionListState {
  readonly sessions: IdMap<SessionSummary>;
  readonly skipped: number;
}

/** Version of the state's shape, for checkpoints: bump it whenever the state or the fold changes. */
export const SESSION_LIST_VERSION = 3;

/** Name of the projection. */
export const SESSION_LIST = 'session-list';

const PROVISIONING: SessionStateValue = 'provisioning';
const TERMINATED: SessionStateValue = 'terminated';
const OWNER: ParticipantRole = 'owner';
const ACTIVITY: ReadonlySet<string> = new Set([S.AGENT_READY, S.AGENT_OUTPUT, S.TURN_COMPLETED, S.RECOVERY_SUCCEEDED, S.APPROVAL_DECIDED]);

/** Whether the event moves `lastActivityAt` as the session machine does: a message only when it starts a turn at once. */
function isActivity(event: ProjectedEvent): boolean {
  if (event.type !== S.MESSAGE_ACCEPTED) return ACTIVITY.has(event.type);
  const from = stateBefore(event);
  return from !== null && (TURN_TAKING_STATES as readonly string[]).includes(from);
}
/** Input events and recorded outcomes (`TurnAborted`: it moves the revision, not the turn count or the state). */
const SESSION_TYPES: ReadonlySet<string> = new Set([...Object.values(S), ...Object.values(SESSION_OUTCOME_NAME)]);

/** The empty list. */
export const initialSessionList = (): SessionListState => ({ sessions: emptyIdMap(), skipped: 0 });

/** The session's summary, or `undefined` when the list has no such session. */
export const getSession = (state: SessionListState, sessionId: string): SessionSummary | undefined => idMapGet(state.sessions, sessionId);

/** Every session's summary, terminated ones included, in no particular order. */
export const allSessions = (state: SessionListState): SessionSummary[] => idMapValues(state.sessions);

const skip = (state: SessionListState): SessionListState => ({ ...state, skipped: state.skipped + 1 });

const put = (state: SessionListState, summary: SessionSummary, skipped = 0): SessionListState => ({
  sessions: idMapSet(state.sessions, summary.sessionId, summary),
  skipped: state.skipped + skipped,
});

function provisioned(state: SessionListState, sessionId: string, event: ProjectedEvent): SessionListState {
  const data = recordOf(event.data);
  const tenant = stringOf(data?.['tenant']);
  const owner = stringOf(data?.['owner']);
  const createdAt = numberOf(data?.['at']) ?? atOf(event);
  if (getSession(state, sessionId) !== undefined || tenant === null || owner === null || createdAt === null) return skip(state);
  return put(state, {
    sessionId,
    tenant,
    owner,
    state: stateAfter(event) ?? PROVISIONING,
    participants: [{ userId: owner, role: OWNER }],
    createdAt,
    lastActivityAt: createdAt,
    turns: 0,
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    lastFault: null,
    revision: String(event.revision),
    endedAt: null,
    endReason: null,
  });
}

type Change = Partial<SessionSummary> | 'malformed';

function participantChange(summary: SessionSummary, type: string, data: { readonly [key: string]: unknown }): Change {
  const userId = stringOf(data['userId']);
  // The machine never accepts these for the owner; a stream that says otherwise is not trusted on this point.
  if (userId === null || userId === summary.owner) return 'malformed';
  const others = summary.participants.filter((participant) => participant.userId !== userId);
  if (type === S.PARTICIPANT_LEFT) return { participants: others };
  const role = stringOf(data['role']);
  if (role === null) return 'malformed';
  if (type === S.ROLE_CHANGED) return { participants: summary.participants.map((p) => (p.userId === userId ? { userId, role } : p)) };
  return { participants: [...others, { userId, role }] };
}

function turnChange(summary: SessionSummary, data: { readonly [key: string]: unknown }): Change {
  const usage = recordOf(data['usage']);
  const inputTokens = numberOf(usage?.['inputTokens']);
  const outputTokens = numberOf(usage?.['outputTokens']);
  const costUsd = numberOf(data['costUsd']);
  if (inputTokens === null || outputTokens === null || costUsd === null) return 'malformed';
  const total = summary.usage;
  return {
    turns: summary.turns + 1,
    usage: { inputTokens: total.inputTokens + inputTokens, outputTokens: total.outputTokens + outputTokens, costUsd: total.costUsd + costUsd },
  };
}

/** What one event of a known session changes besides its state and revision. */
function change(summary: SessionSummary, event: ProjectedEvent, at: number): Change {
  const data = recordOf(event.data);
  if (data === null) return 'malformed';
  switch (event.type) {
    case S.PARTICIPANT_JOINED:
    case S.PARTICIPANT_LEFT:
    case S.ROLE_CHANGED:
      return participantChange(summary, event.type, data);
    case S.TURN_COMPLETED:
      return turnChange(summary, data);
    case S.TERMINATE:
      return { endedAt: summary.endedAt ?? at, endReason: stringOf(data['reason']) };
    default: {
      const fault = readFault(event);
      if (fault.kind === 'malformed') return 'malformed';
      return fault.kind === 'fault' ? { lastFault: fault.fault } : {};
    }
  }
}

/**
 * `summary` after one event: `change` over the state, revision, activity and end the event sets. Built field by
 * field rather than with `{ ...summary, ...change }`: in V8 spreading an object that was itself made by a spread (as a
 * summary is, event after event) is about ten times slower than a literal.
 */
function nextSummary(summary: SessionSummary, change: Partial<SessionSummary>, state: string, revision: string, lastActivityAt: number, endedAt: number | null): SessionSummary {
  return {
    sessionId: change.sessionId ?? summary.sessionId,
    tenant: change.tenant ?? summary.tenant,
    owner: change.owner ?? summary.owner,
    state: change.state ?? state,
    participants: change.participants ?? summary.participants,
    createdAt: change.createdAt ?? summary.createdAt,
    lastActivityAt: change.lastActivityAt ?? lastActivityAt,
    turns: change.turns ?? summary.turns,
    usage: change.usage ?? summary.usage,
    lastFault: change.lastFault !== undefined ? change.lastFault : summary.lastFault,
    revision: change.revision ?? revision,
    endedAt: change.endedAt !== undefined ? change.endedAt : endedAt,
    endReason: change.endReason !== undefined ? change.endReason : summary.endReason,
  };
}

const NO_CHANGE: Partial<SessionSummary> = {};

/** Folds one stored event into the list; events of other streams and unknown types leave it unchanged. */
export function applySessionList(state: SessionListState, event: ProjectedEvent): SessionListState {
  const sessionId = sessionIdOf(event);
  if (sessionId === null) return state;
  if (event.type === SESSION_PROVISIONED) return provisioned(state, sessionId, event);
  if (!SESSION_TYPES.has(event.type)) return state;
  const summary = getSession(state, sessionId);
  const at = atOf(event);
  if (summary === undefined || at === null) return skip(state);
  const next = change(summary, event, at);
  const to = stateAfter(event) ?? summary.state;
  const lastActivityAt = isActivity(event) ? Math.max(summary.lastActivityAt, at) : summary.lastActivityAt;
  const endedAt = summary.endedAt ?? (to === TERMINATED ? at : null);
  const after = nextSummary(summary, next === 'malformed' ? NO_CHANGE : next, to, String(event.revision), lastActivityAt, endedAt);
  return put(state, after, next === 'malformed' ? 1 : 0);
}

/** The `session-list` projection, for the host. */
export const sessionListProjection: Projection<SessionListState> = {
  name: SESSION_LIST,
  version: SESSION_LIST_VERSION,
  initial: initialSessionList,
  apply: applySessionList,
};
