import { describe, expect, it } from 'vitest';
import { PresenceBoard } from './presence.js';

describe('PresenceBoard', () => {
  it('reports a user joining, their most active connection, and leaving with their last connection', () => {
    const board = new PresenceBoard();
    expect(board.set('s', 'bob', 'c1', 'watching')).toEqual({ userId: 'bob', status: 'watching' });
    expect(board.set('s', 'ada', 'c2', 'idle')).toEqual({ userId: 'ada', status: 'idle' });
    expect(board.set('s', 'bob', 'c3', 'watching')).toBeNull();
    expect(board.set('s', 'bob', 'c3', 'typing')).toEqual({ userId: 'bob', status: 'typing' });
    expect(board.users('s')).toEqual([
      { userId: 'ada', status: 'idle', connections: 1 },
      { userId: 'bob', status: 'typing', connections: 2 },
    ]);
    expect(board.remove('s', 'bob', 'c3')).toEqual({ userId: 'bob', status: 'watching' });
    expect(board.remove('s', 'bob', 'c3')).toBeNull();
    expect(board.remove('s', 'bob', 'c1')).toEqual({ userId: 'bob', status: 'left' });
    expect(board.remove('s', 'ada', 'c2')).toEqual({ userId: 'ada', status: 'left' });
    expect(board.users('s')).toEqual([]);
  });

  it('keeps sessions apart', () => {
    const board = new PresenceBoard();
    board.set('s1', 'ada', 'c1', 'watching');
    board.set('s2', 'ada', 'c1', 'typing');
    expect(board.users('s1')).toEqual([{ userId: 'ada', status: 'watching', connections: 1 }]);
    expect(board.remove('s2', 'ada', 'c1')).toEqual({ userId: 'ada', status: 'left' });
    expect(board.users('s1')).toHaveLength(1);
  });
});
