import { describe, expect, it } from 'vitest';
import { Breakouts } from './breakouts';
import type { Requester } from './signaling';

function withRequests() {
  const sent: { type: string; payload: unknown }[] = [];
  const request = ((type: string, payload: unknown) => {
    sent.push({ type, payload });
    return Promise.resolve({});
  }) as Requester;
  return { breakouts: new Breakouts(request), sent };
}

describe('Breakouts (app side)', () => {
  it('sends each action as its request, names only when given', async () => {
    const { breakouts, sent } = withRequests();
    await breakouts.create(3);
    await breakouts.create(2, ['Red', 'Blue']);
    await breakouts.assign('p1', 'r1');
    await breakouts.open();
    await breakouts.open(300);
    await breakouts.visit(null);
    expect(sent).toEqual([
      { type: 'breakout-create', payload: { count: 3 } },
      { type: 'breakout-create', payload: { count: 2, names: ['Red', 'Blue'] } },
      { type: 'breakout-assign', payload: { assignments: [{ participantId: 'p1', roomId: 'r1' }] } },
      { type: 'breakout-open', payload: {} },
      { type: 'breakout-open', payload: { seconds: 300 } },
      { type: 'breakout-visit', payload: { roomId: null } },
    ]);
  });

  it('shows the room one is in, keeps the last five messages, and forgets warnings and help on close', () => {
    const { breakouts } = withRequests();
    breakouts.handle({
      type: 'breakout-state',
      rooms: [{ id: 'r1', name: 'Room 1', assigned: [], present: [] }],
      open: true,
      allowChoice: false,
      endsAt: 1000,
      here: { id: 'r1', name: 'Room 1' },
      mine: 'r1',
    });
    expect(breakouts.state.get().here?.name).toBe('Room 1');
    for (let i = 0; i < 7; i++) breakouts.handle({ type: 'breakout-message', text: `m${i}`, from: 'Hana' });
    expect(breakouts.state.get().messages.map((m) => m.text)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6']);
    breakouts.handle({ type: 'breakout-warning', secondsLeft: 60 });
    breakouts.handle({ type: 'breakout-help', roomId: 'r1', roomName: 'Room 1', from: 'Ada' });
    expect(breakouts.state.get().warning).toBe(60);
    expect(breakouts.state.get().help).toHaveLength(1);
    breakouts.moving(null);
    breakouts.handle({
      type: 'breakout-state',
      rooms: null,
      open: false,
      allowChoice: false,
      endsAt: null,
      here: null,
      mine: null,
    });
    const after = breakouts.state.get();
    expect([after.here, after.warning, after.help.length, after.rooms]).toEqual([null, null, 0, null]);
  });
});
