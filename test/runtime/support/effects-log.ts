/** Session effect implementations that only record what they were asked to do, in order. */
import type { EffectCall, SessionEffects } from '../../../src/runtime/index.js';

/** A recording effects table and its log. */
export interface EffectsLog {
  readonly effects: SessionEffects;
  readonly calls: EffectCall[];
}

/** Records every call; `onCall` runs inside the handler (to observe ordering). */
export function effectsLog(onCall?: (call: EffectCall) => void): EffectsLog {
  const calls: EffectCall[] = [];
  const record =
    (type: string) =>
    (params: unknown): void => {
      calls.push({ type, params });
      onCall?.({ type, params });
    };
  const effects: SessionEffects = {
    spawnAgent: record('spawnAgent'),
    resumeAgent: record('resumeAgent'),
    sendToAgent: record('sendToAgent'),
    interruptAgent: record('interruptAgent'),
    answerApproval: record('answerApproval'),
    stopAgent: record('stopAgent'),
    killAgent: record('killAgent'),
  };
  return { effects, calls };
}
