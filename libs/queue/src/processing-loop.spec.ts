import { ProcessingLoop } from './processing-loop';

/** A loop whose steps return `results` in turn (then 0), recording the fake clock at each step. */
function loopOver(results: number[], options: ConstructorParameters<typeof ProcessingLoop>[2]) {
  const startedAt: number[] = [];
  const loop = new ProcessingLoop(
    'test',
    () => {
      startedAt.push(Date.now());
      return Promise.resolve(results.shift() ?? 0);
    },
    options,
  );
  return { loop, startedAt };
}

describe('ProcessingLoop', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('runs the next step at once after a full batch, after the linger after a partial one, and after the idle wait when there was none', async () => {
    const { loop, startedAt } = loopOver([32, 5, 0], { idleMs: 2_000, errorMs: 2_000, linger: { ms: 20, after: (found: number) => found < 32 } });
    loop.start();
    await jest.advanceTimersByTimeAsync(2_100);
    await stopAndSettle(loop);
    // Step 1 found a full batch: step 2 at once; it found 5: step 3 after 20 ms; it found none: step 4 after 2 s.
    expect(startedAt.slice(0, 4)).toEqual([0, 0, 20, 2_020]);
  });

  it('asks an idle wait given as a function after each step that found nothing', async () => {
    const waits = [300, 1_500];
    const { loop, startedAt } = loopOver([0, 0, 0], { idleMs: () => waits.shift() ?? 60_000, errorMs: 2_000 });
    loop.start();
    await jest.advanceTimersByTimeAsync(2_000);
    await stopAndSettle(loop);
    expect(startedAt).toEqual([0, 300, 1_800]);
  });

  it('lingers through pokes, but a poke ends an idle wait', async () => {
    const { loop, startedAt } = loopOver([1, 0], { idleMs: 2_000, errorMs: 2_000, linger: { ms: 20, after: (found: number) => found < 32 } });
    loop.start();
    await jest.advanceTimersByTimeAsync(5);
    loop.poke();
    await jest.advanceTimersByTimeAsync(100);
    loop.poke();
    await jest.advanceTimersByTimeAsync(0);
    await stopAndSettle(loop);
    expect(startedAt).toEqual([0, 20, 105]);
  });

  it('does not linger without the option, and stop ends a linger at once', async () => {
    const plain = loopOver([1, 1, 0], { idleMs: 2_000, errorMs: 2_000 });
    plain.loop.start();
    await jest.advanceTimersByTimeAsync(0);
    await stopAndSettle(plain.loop);
    expect(plain.startedAt.slice(0, 3)).toEqual([0, 0, 0]);

    const lingering = loopOver([1, 1], { idleMs: 2_000, errorMs: 2_000, linger: { ms: 60_000, after: (found: number) => found < 32 } });
    lingering.loop.start();
    await jest.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = lingering.loop.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    await stopping;
    expect(stopped).toBe(true);
    expect(lingering.startedAt).toEqual([0]);
  });
});

async function stopAndSettle(loop: ProcessingLoop): Promise<void> {
  const stopping = loop.stop();
  await jest.advanceTimersByTimeAsync(0);
  await stopping;
}
