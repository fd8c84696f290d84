import { describe, expect, it } from 'vitest';
import { PoolSignals } from './signals.js';

describe('PoolSignals', () => {
  it('tells the listeners of a signal in the order they subscribed, and only them', () => {
    const signals = new PoolSignals();
    const heard: string[] = [];
    signals.on('processExited', () => void heard.push('first'));
    signals.on('processExited', () => void heard.push('second'));
    signals.on('targetChanged', () => void heard.push('other'));
    signals.emit('processExited');
    expect(heard).toEqual(['first', 'second']);
  });

  it('answers true when a listener answered true, false with none or when none did', () => {
    const signals = new PoolSignals();
    expect(signals.emit('roomWanted', 1)).toBe(false);
    const asked: number[] = [];
    signals.on('roomWanted', (waiting) => {
      asked.push(waiting);
      return false;
    });
    expect(signals.emit('roomWanted', 2)).toBe(false);
    signals.on('roomWanted', (waiting) => waiting > 2);
    expect(signals.emit('roomWanted', 3)).toBe(true);
    expect(asked).toEqual([2, 3]);
  });
});
