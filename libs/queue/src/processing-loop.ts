import { Logger, type OnModuleDestroy } from '@nestjs/common';

/** How long to wait after a step, by what it returned. */
export interface ProcessingLoopOptions {
  /** After a step that found nothing (or what the function answers then); a poke ends it early. */
  idleMs: number | (() => number);
  /** After a step that threw. */
  errorMs: number;
  /**
   * After a step that found work and for which `after(found)` holds (a trickle the loop keeps
   * up with), wait `ms` before the next, pokes or not, so that it takes the next batch fuller:
   * fewer, larger transactions for a little latency.
   */
  linger?: { ms: number; after: (found: number) => boolean };
}

/**
 * Runs `step` over and over: immediately again while it finds work, after `linger.ms`
 * when the work was only a trickle, after `idleMs` when it finds none, after
 * `errorMs` when it throws. `stop()` waits for the step in flight, so a shutdown never
 * abandons work halfway (and a kill -9 is covered by the leases the steps take).
 */
export class ProcessingLoop {
  private running = false;
  private current: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Whether the wait in progress ends on a poke (an idle wait) or only on stop (a linger). */
  private pokeable = false;
  /** A poke that came while a step was running: the next step starts without the idle pause. */
  private poked = false;
  private readonly logger: Logger;

  constructor(
    private readonly name: string,
    private readonly step: () => Promise<number>,
    private readonly options: ProcessingLoopOptions,
  ) {
    this.logger = new Logger(`ProcessingLoop:${name}`);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.current = this.run();
  }

  /** Skips the idle wait (new work was announced). */
  poke(): void {
    this.poked = true;
    if (this.pokeable) this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.current;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let pause = 0;
      let linger = 0;
      this.poked = false;
      try {
        const found = await this.step();
        if (found === 0) pause = typeof this.options.idleMs === 'function' ? this.options.idleMs() : this.options.idleMs;
        else if (this.options.linger?.after(found)) linger = this.options.linger.ms;
      } catch (error) {
        this.logger.error({ err: error }, `${this.name} step failed`);
        pause = this.options.errorMs;
      }
      if (pause > 0 && this.running && !this.poked) await this.sleep(pause, true);
      else if (linger > 0 && this.running) await this.sleep(linger, false);
    }
  }

  private sleep(ms: number, pokeable: boolean): Promise<void> {
    this.pokeable = pokeable;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}

/**
 * A service that runs one {@link ProcessingLoop}: `start()` (the worker calls it), `stop()` and module destroy,
 * which wait for the step in flight. Subclasses make the loop; ones with more to start or release override
 * `start` or `stop` and call `super`.
 */
export abstract class ProcessingLoopService implements OnModuleDestroy {
  protected abstract readonly loop: ProcessingLoop;

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }
}
