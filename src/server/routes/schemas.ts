/**
 * The session API's request and response shapes as TypeBox schemas: one definition serves ajv (validating
 * requests), fast-json-stringify (writing responses) and the OpenAPI document. Field names are camelCase and
 * revisions are JSON numbers. {@link validator} turns ajv's errors into a `validation_failed` error whose
 * `details` name the offending field.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { err, ok, type Result } from 'neverthrow';
import { SESSION_STATES } from '../../../machines/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';

/** A string restricted to `values`, typed as their union (a plain `enum`, which every consumer understands). */
const OneOf = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description === undefined ? {} : { description }) });

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const Closed = { additionalProperties: false } as const;

/** Permission modes a session may ask for (Claude Code's `--permission-mode`). */
export const PERMISSION_MODES = ['default', 'acceptEdits', 'bypassPermissions', 'plan'] as const;

/** Roles a participant can be given through the API (never `owner`: there is no ownership transfer). */
export const GRANTABLE_ROLES = ['editor', 'viewer'] as const;

/** Longest message text accepted, in characters. */
export const MAX_MESSAGE_CHARS = 100_000;

/** Default and largest page of `GET /sessions/:id/events`. */
export const EVENTS_PAGE = { default: 100, max: 1000 } as const;

// Relative path segments as `tenantWorkdir` accepts them: no leading dot, no "..", no absolute path.
const WORKDIR = '^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,15}$';

// User ids as the authenticator accepts them.
const USER_ID = '^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$';

/** `POST /sessions`: every field optional; unknown fields are refused. */
export const CreateSessionBody = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Claude model (`--model`); default: the CLI\'s.' })),
    cwd: Type.Optional(Type.String({ pattern: WORKDIR, description: 'Working directory relative to the tenant\'s work root.' })),
    permissionMode: Type.Optional(OneOf(PERMISSION_MODES, 'Claude Code permission mode.')),
    allowedTools: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100 })),
    systemPrompt: Type.Optional(Type.String({ maxLength: 100_000, description: 'Appended to the system prompt.' })),
    // A Record's key schema does not constrain keys in JSON Schema: `propertyNames` does.
    metadata: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 1000 }), { maxProperties: 50, propertyNames: { maxLength: 100 } })),
    share: Type.Optional(Type.Boolean({ description: 'Join a suitable open session of the tenant that the caller may join (one they take part in, or one whose owner made it `shareable` and did not remove them) instead of always creating one.' })),
    shareable: Type.Optional(Type.Boolean({ description: 'Let other users of the tenant join the new session on their own (`share`) as editors; default false: only invited users (participants) take part.' })),
    approvalRules: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            tool: Type.String({ minLength: 1, maxLength: 256 }),
            path: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
            command: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
            action: Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('ask')]),
          },
          Closed,
        ),
        { maxItems: 50, description: 'This session\'s own tool approval rules, tried before the tenant\'s (docs/approvals.md).' },
      ),
    ),
  },
  Closed,
);

/**
 * `POST /sessions/:id/fork`: the revision to fork at, and the options that differ from the parent's (the working
 * directory cannot: the parent's conversation is kept per working directory).
 */
export const ForkSessionBody = Type.Object(
  {
    atRevision: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Revision of the parent\'s stream: the fork remembers the conversation up to the last assistant message at or before it.' }),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Claude model (`--model`); default: the parent\'s.' })),
    permissionMode: Type.Optional(OneOf(PERMISSION_MODES, 'Claude Code permission mode; default: the parent\'s.')),
    allowedTools: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100, description: 'Default: the parent\'s.' })),
    systemPrompt: Type.Optional(Type.String({ maxLength: 100_000, description: 'Appended to the system prompt; default: the parent\'s.' })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 1000 }), { maxProperties: 50, propertyNames: { maxLength: 100 } })),
    shareable: Type.Optional(Type.Boolean({ description: 'Let other users of the tenant join the fork on their own; default false.' })),
  },
  Closed,
);

/** `POST /sessions/:id/messages`. */
export const SendMessageBody = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_CHARS }),
    clientMsgId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Idempotency key: a retry with the same id is not sent twice.' })),
  },
  Closed,
);

/**
 * `POST /sessions/:id/approvals/:requestId` (and the WebSocket `approve` frame): allow, allow with an edited input,
 * allow for the rest of the session (`always`), or deny with a message for the agent.
 */
export const ApprovalDecisionBody = Type.Object(
  {
    behavior: Type.Union([Type.Literal('allow'), Type.Literal('deny')], { description: 'allow or deny the tool use.' }),
    updatedInput: Type.Optional(Type.Record(Type.String({ maxLength: 256 }), Type.Unknown(), { description: 'allow only: the input the tool runs with instead of the requested one.' })),
    message: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'deny only: why, for the agent.' })),
    always: Type.Optional(Type.Boolean({ description: 'allow only: allow this tool without asking for the rest of the session.' })),
  },
  Closed,
);

/** `200` of the approval route. */
export const DecidedApproval = Type.Object({
  requestId: Type.String(),
  toolName: Type.String(),
  behavior: Type.String(),
  revision: Type.Integer({ description: 'Revision of the stored `ToolApprovalDecided`.' }),
});

/** `POST /sessions/:id/participants`. */
export const AddParticipantBody = Type.Object(
  { userId: Type.String({ pattern: USER_ID, description: 'The user to add, or whose role to change.' }), role: OneOf(GRANTABLE_ROLES) },
  Closed,
);

/** `GET /sessions/:id/events` query. */
export const EventsQuery = Type.Object(
  {
    from: Type.Optional(Type.Integer({ minimum: 0, description: 'First revision (inclusive); default 0.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EVENTS_PAGE.max, description: `Default ${EVENTS_PAGE.default}.` })),
  },
  Closed,
);

/** `GET /sessions/:id/state` query. */
export const StateQuery = Type.Object(
  { at: Type.Optional(Type.Integer({ minimum: 0, description: 'Revision to replay up to (inclusive); default: the latest.' })) },
  Closed,
);

const Participant = Type.Object({ userId: Type.String(), role: OneOf(['owner', ...GRANTABLE_ROLES] as const) });

/** A session as clients see it. */
export const SessionView = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  owner: Type.String(),
  state: OneOf(SESSION_STATES),
  participants: Type.Array(Participant),
  shareable: Type.Boolean({ description: 'Whether users of the tenant may join on their own (`share`).' }),
  options: Type.Object({
    model: Nullable(Type.String()),
    cwd: Type.String(),
    permissionMode: OneOf(PERMISSION_MODES),
    allowedTools: Type.Array(Type.String()),
    systemPrompt: Nullable(Type.String()),
  }),
  usage: Type.Object({
    inputTokens: Type.Number(),
    outputTokens: Type.Number(),
    cacheReadTokens: Type.Number(),
    cacheCreationTokens: Type.Number(),
    costUsd: Type.Number(),
    turns: Type.Integer(),
  }),
  currentTurn: Nullable(Type.Object({ turnId: Type.String(), userId: Type.String(), startedAt: Type.Number() })),
  queuedMessages: Type.Integer(),
  lastFault: Nullable(Type.Object({ kind: Type.String(), at: Type.Number(), exitCode: Nullable(Type.Integer()), detail: Nullable(Type.String()) })),
  failures: Type.Object({
    crashes: Type.Integer(),
    hangs: Type.Integer(),
    stalls: Type.Integer(),
    garbage: Type.Integer(),
    exits: Type.Integer(),
    failedRecoveries: Type.Integer(),
    consecutive: Type.Integer(),
  }),
  claudeSessionId: Nullable(Type.String()),
  forkedFrom: Nullable(Type.Object({ sessionId: Type.String(), revision: Type.Integer() }, { description: 'The session this one was forked from, and the revision it was forked at.' })),
  pendingApproval: Nullable(
    Type.Object(
      {
        requestId: Type.String(),
        turnId: Type.String(),
        toolName: Type.String(),
        input: Type.Record(Type.String(), Type.Unknown()),
        toolUseId: Nullable(Type.String()),
        requestedAt: Type.Integer(),
        expiresAt: Type.Integer(),
      },
      { description: 'The tool use waiting for an owner or editor to answer (docs/approvals.md), while the session is awaitingApproval.' },
    ),
  ),
  endReason: Nullable(Type.String()),
  createdAt: Type.Number({ description: 'Epoch milliseconds.' }),
  lastActivityAt: Type.Number({ description: 'Epoch milliseconds.' }),
  revision: Type.Integer({ description: 'Revision of the last event of the session\'s stream.' }),
});

/** `201` of `POST /sessions`. */
export const CreatedSession = Type.Object({
  session: SessionView,
  lease: Type.Object({ source: OneOf(['warm', 'cold', 'existing'] as const) }),
});

/** `200` of `DELETE /sessions/:id`. */
export const TerminatedSession = Type.Object({ id: Type.String(), state: Type.Literal('terminated') });

/** `202` of `POST /sessions/:id/messages`. */
export const AcceptedMessage = Type.Object({ turnId: Type.String(), revision: Type.Integer(), duplicate: Type.Boolean() });

/** `202` of `POST /sessions/:id/interrupt`. */
export const InterruptOutcome = Type.Object({ interrupted: Type.Boolean({ description: 'False when no turn was running.' }) });

/** `200` of the participant routes. */
export const ParticipantList = Type.Object({ participants: Type.Array(Participant) });

/** One stored event of a session's stream. */
export const SessionEvent = Type.Object({
  revision: Type.Integer(),
  type: Type.String(),
  data: Type.Unknown(),
  at: Type.Number({ description: 'Epoch milliseconds.' }),
});

/** `200` of `GET /sessions/:id/events`. */
export const EventPage = Type.Object({
  events: Type.Array(SessionEvent),
  nextFrom: Nullable(Type.Integer({ description: 'Pass as `from` for the next page; null when nothing follows yet.' })),
});

/** `200` of `GET /sessions/:id/state`. */
export const StateAt = Type.Object({ revision: Type.Integer(), state: OneOf(SESSION_STATES), context: SessionView });

/** The error envelope every failure is sent in. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ enum: Object.values(API_ERROR_CODES) }),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

/** Static types of the schemas above. */
export type CreateSessionBody = Static<typeof CreateSessionBody>;
export type ForkSessionBody = Static<typeof ForkSessionBody>;
export type SendMessageBody = Static<typeof SendMessageBody>;
export type ApprovalDecisionBody = Static<typeof ApprovalDecisionBody>;
export type AddParticipantBody = Static<typeof AddParticipantBody>;
export type EventsQuery = Static<typeof EventsQuery>;
export type StateQuery = Static<typeof StateQuery>;
export type SessionView = Static<typeof SessionView>;
export type SessionEvent = Static<typeof SessionEvent>;

/** One problem ajv found, with the field it is about as a dotted path (`metadata.team`, `allowedTools.0`). */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** Checks an unknown value against a schema: the typed value, or `validation_failed` naming the fields. */
export type Validator<T> = (value: unknown) => Result<T, ApiError>;

// `strictNumbers` refuses NaN and ±Infinity, which ajv otherwise counts as integers: `1e309` in JSON parses as
// Infinity and would reach BigInt or the store. No `coerceTypes`: its string-to-number coercion lets "Infinity"
// and "1e309" through (and skips the range checks for them), so query text is converted by `queryNumbers`.
const ajv = new Ajv({ allErrors: true, strict: true, strictNumbers: true });

// How a number may be written in a query: plain decimal, nothing JavaScript alone would accept (`0x10`, ` 1`, `Infinity`).
const QUERY_INTEGER = /^-?\d+$/;
const QUERY_NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * The query `value` with each field that `schema` types as a number or integer converted from text, when it is
 * written as a plain decimal. Anything else stays text for the schema to refuse by name; a value too long to be
 * finite becomes Infinity, which `strictNumbers` refuses.
 */
function queryNumbers(schema: TSchema, value: unknown): unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (properties === undefined || value === null || typeof value !== 'object') return value;
  const converted: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, text] of Object.entries(converted)) {
    const type = properties[key]?.type;
    if (typeof text !== 'string') continue;
    if ((type === 'integer' && QUERY_INTEGER.test(text)) || (type === 'number' && QUERY_NUMBER.test(text))) converted[key] = Number(text);
  }
  return converted;
}

/**
 * `schema` with every integer bounded to the safe range (±(2^53 − 1)): a 54-digit revision is finite but not
 * exact in JavaScript and beyond any store's range. Tighter bounds a schema sets are kept.
 */
export function withSafeIntegers<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(withSafeIntegers) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = withSafeIntegers(value);
  const type = copy['type'];
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) {
    copy['minimum'] = Math.max(typeof copy['minimum'] === 'number' ? copy['minimum'] : -Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER);
    copy['maximum'] = Math.min(typeof copy['maximum'] === 'number' ? copy['maximum'] : Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }
  return copy as T;
}

/**
 * A {@link Validator} for `schema`; `what` names the input in messages (`request body`, `query`). Every number
 * it accepts is finite and every integer safe (see {@link withSafeIntegers}), whatever the schema says.
 */
export function validator<T extends TSchema>(schema: T, what: 'request body' | 'query' = 'request body'): Validator<Static<T>> {
  const check: ValidateFunction = ajv.compile(withSafeIntegers(schema));
  return (input) => {
    // Query strings are text: "10" becomes 10 where the schema wants a number.
    const value = what === 'query' ? queryNumbers(schema, input) : input;
    if (check(value)) return ok(value as Static<T>);
    // A `propertyNames` error only wraps the key's own problem, which is reported already.
    const problems = (check.errors ?? []).filter((error) => error.keyword !== 'propertyNames').map(fieldProblem);
    const first = problems[0] ?? { field: '', message: 'invalid' };
    const where = first.field === '' ? what : `${what} field "${first.field}"`;
    return err(apiError(API_ERROR_CODES.validationFailed, `${where}: ${first.message}`, { field: first.field, problems }));
  };
}

/** The field an ajv error is about and what is wrong with it. */
export function fieldProblem(error: ErrorObject): FieldProblem {
  const path = error.instancePath.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  // A problem with an object's key (`propertyNames`) names the key itself.
  if (error.propertyName !== undefined) return { field: [...path, error.propertyName].join('.'), message: `key ${error.message ?? 'invalid'}` };
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      return { field: [...path, extra].join('.'), message: 'unknown field' };
    }
    case 'required': {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      return { field: [...path, missing].join('.'), message: 'required' };
    }
    case 'enum':
      return { field: path.join('.'), message: `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
    default:
      return { field: path.join('.'), message: error.message ?? 'invalid' };
  }
}

/** A URL query as a plain object (last value wins), ready for a query {@link validator}. */
export function queryObject(query: URLSearchParams): Record<string, string> {
  return Object.fromEntries(query.entries());
}
