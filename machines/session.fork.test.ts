/**
 * The fork point of a session stream (session.fork.ts): the last assistant message at or before the revision, in
 * the Claude conversation that printed it; a fork's own origin while it has said nothing; nothing for a fresh start.
 * A property checks the fold against a plain model over random histories.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SESSION_PERSISTED_NAME as N, SESSION_PROVISIONED } from './session.events.js';
import { forkOrigin, forkPointOf, type ForkPoint } from './session.fork.js';

type Stored = { type: string; data: unknown };

const provisioned = (forkedFrom?: unknown): Stored => ({ type: SESSION_PROVISIONED, data: { sessionId: 's', ...(forkedFrom === undefined ? {} : { forkedFrom }) } });
const ready = (claudeSessionId: string): Stored => ({ type: N.AGENT_READY, data: { type: 'AGENT_READY', at: 1, claudeSessionId } });
const recovered = (claudeSessionId?: string): Stored => ({ type: N.RECOVERY_SUCCEEDED, data: { type: 'RECOVERY_SUCCEEDED', at: 1, ...(claudeSessionId === undefined ? {} : { claudeSessionId }) } });
const assistant = (messageUuid: string): Stored => ({ type: N.AGENT_OUTPUT, data: { type: 'AGENT_OUTPUT', at: 1, turnId: 't', chunkType: 'assistant', content: { text: 'hi' }, messageUuid } });
const otherOutput: Stored = { type: N.AGENT_OUTPUT, data: { type: 'AGENT_OUTPUT', at: 1, turnId: 't', chunkType: 'user', content: {} } };
const message: Stored = { type: N.MESSAGE_ACCEPTED, data: { type: 'MESSAGE_ACCEPTED', at: 1, turnId: 't', text: 'x', userId: 'u' } };

describe('forkPointOf', () => {
  it('is the last assistant message in the conversation that printed it', () => {
    const events = [provisioned(), ready('c1'), message, assistant('u1'), otherOutput, recovered('c2'), message, assistant('u2'), message];
    expect(forkPointOf(events)).toEqual({ claudeSessionId: 'c2', messageUuid: 'u2' });
    expect(forkPointOf(events.slice(0, 5))).toEqual({ claudeSessionId: 'c1', messageUuid: 'u1' });
    // A recovery that reports no conversation id keeps the one before.
    expect(forkPointOf([provisioned(), ready('c1'), recovered(), assistant('u3')])).toEqual({ claudeSessionId: 'c1', messageUuid: 'u3' });
  });

  it('is null before any assistant message: the fork starts afresh', () => {
    expect(forkPointOf([provisioned(), ready('c1'), message, otherOutput])).toBeNull();
    expect(forkPointOf([])).toBeNull();
  });

  it("is a fork's own origin until it says something itself", () => {
    const origin = forkOrigin('parent', 7, { claudeSessionId: 'c0', messageUuid: 'u0' });
    expect(origin).toEqual({ sessionId: 'parent', revision: 7, claudeSessionId: 'c0', messageUuid: 'u0' });
    expect(forkPointOf([provisioned(origin), ready('c1'), message])).toEqual({ claudeSessionId: 'c0', messageUuid: 'u0' });
    expect(forkPointOf([provisioned(origin), ready('c1'), message, assistant('u1')])).toEqual({ claudeSessionId: 'c1', messageUuid: 'u1' });
    expect(forkPointOf([provisioned(forkOrigin('parent', 0, null)), ready('c1')])).toBeNull();
  });

  it('agrees with a model over any history', () => {
    const event = fc.oneof(
      fc.constantFrom('c1', 'c2', 'c3').map(ready),
      fc.option(fc.constantFrom('c1', 'c4'), { nil: undefined }).map(recovered),
      fc.uuid().map(assistant),
      fc.constant(otherOutput),
      fc.constant(message),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (rest) => {
        let claude: string | null = null;
        let expected: ForkPoint | null = null;
        for (const { type, data } of rest) {
          const fields = data as { claudeSessionId?: string; messageUuid?: string };
          if ((type === N.AGENT_READY || type === N.RECOVERY_SUCCEEDED) && fields.claudeSessionId !== undefined) claude = fields.claudeSessionId;
          if (type === N.AGENT_OUTPUT && fields.messageUuid !== undefined && claude !== null) expected = { claudeSessionId: claude, messageUuid: fields.messageUuid };
        }
        expect(forkPointOf([provisioned(), ...rest])).toEqual(expected);
      }),
    );
  });
});
