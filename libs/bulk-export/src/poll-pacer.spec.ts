import { PollPacer } from './poll-pacer';

describe('PollPacer', () => {
  it('allows a burst of early polls, then refuses until the client waits', () => {
    const pacer = new PollPacer(500, 3);
    const at = [0, 10, 20, 30];
    expect(at.map((t) => pacer.allow('e1', t))).toEqual([true, true, true, true]);
    expect(pacer.allow('e1', 40)).toBe(false);
    expect(pacer.allow('e1', 400)).toBe(false);
    expect(pacer.allow('e1', 531)).toBe(true);
    expect(pacer.allow('e1', 540)).toBe(true);
  });

  it('never refuses a client that waits as told, and keeps exports apart', () => {
    const pacer = new PollPacer(500, 0);
    expect([0, 500, 1000, 1600].map((t) => pacer.allow('e1', t))).toEqual([true, true, true, true]);
    expect(pacer.allow('e1', 1700)).toBe(false);
    expect(pacer.allow('e2', 1700)).toBe(true);
  });

  it('forgets the oldest export when full', () => {
    const pacer = new PollPacer(500, 0, 2);
    pacer.allow('a', 0);
    expect(pacer.allow('a', 1)).toBe(false);
    pacer.allow('b', 2);
    pacer.allow('c', 3);
    expect(pacer.allow('a', 4)).toBe(true);
  });
});
