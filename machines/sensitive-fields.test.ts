import { describe, expect, it } from 'vitest';
import * as machines from './index.js';
import { SENSITIVE_FIELDS } from './sensitive-fields.js';

// Every table of stored event names the machines export, found by name, so a new table is covered too.
const STORED_NAME_TABLE = /(_PERSISTED_NAME|_OUTCOME_NAME|^RUNTIME_EVENT_TYPE|^API_KEY_EVENT|^WEBHOOK_EVENT)$/;
const STORED_NAME_CONSTANT = /_(CREATED|PROVISIONED)$/;

function storedEventTypes(): Set<string> {
  const types = new Set<string>();
  for (const [name, value] of Object.entries(machines)) {
    if (STORED_NAME_TABLE.test(name) && typeof value === 'object' && value !== null) {
      for (const type of Object.values(value as Record<string, unknown>)) if (typeof type === 'string') types.add(type);
    } else if (STORED_NAME_CONSTANT.test(name) && typeof value === 'string') types.add(value);
  }
  return types;
}

describe('SENSITIVE_FIELDS', () => {
  it('decides, for every stored event type, which fields are encrypted at rest (add the new type to the table)', () => {
    const undecided = [...storedEventTypes()].filter((type) => !(type in SENSITIVE_FIELDS));
    expect(undecided).toEqual([]);
  });

  it('names no type that is not stored (a renamed or removed event leaves no stale decision)', () => {
    const stored = storedEventTypes();
    expect(Object.keys(SENSITIVE_FIELDS).filter((type) => !stored.has(type))).toEqual([]);
  });

  it('encrypts what people and the agent said', () => {
    expect(SENSITIVE_FIELDS.MessageAccepted).toContain('text');
    expect(SENSITIVE_FIELDS.AgentOutputReceived).toContain('content');
    expect(SENSITIVE_FIELDS.TurnCompleted).toEqual(expect.arrayContaining(['result', 'errors']));
    expect(SENSITIVE_FIELDS.SnapshotTaken).toContain('snapshot');
  });
});
