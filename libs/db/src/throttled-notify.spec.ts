import { ThrottledNotify } from './throttled-notify';

describe('ThrottledNotify', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('sends the first call at once and folds a burst within the window into one trailing send', () => {
    const sent: number[] = [];
    const notify = new ThrottledNotify(async () => sent.push(Date.now()), 20);
    notify.notify();
    expect(sent).toEqual([1_000_000]);
    for (let i = 0; i < 50; i++) {
      jest.advanceTimersByTime(0.2);
      notify.notify();
    }
    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(20);
    expect(sent).toEqual([1_000_000, 1_000_020]);
    jest.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(2); // nothing more without new calls
  });

  it('sends at once again after a quiet window, and a failed send does not stop later ones', async () => {
    let calls = 0;
    const notify = new ThrottledNotify(async () => {
      calls += 1;
      throw new Error('database down');
    }, 20);
    notify.notify();
    jest.advanceTimersByTime(25);
    notify.notify();
    expect(calls).toBe(2);
    await Promise.resolve();
  });

  it('cancel drops a pending trailing send', () => {
    let calls = 0;
    const notify = new ThrottledNotify(async () => (calls += 1), 20);
    notify.notify();
    notify.notify();
    notify.cancel();
    jest.advanceTimersByTime(100);
    expect(calls).toBe(1);
  });
});
