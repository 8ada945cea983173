import { Logger } from '@nestjs/common';

/**
 * Runs `step` over and over: immediately again while it finds work, after
 * `idleMs` when it finds none, after `errorMs` when it throws. `stop()` waits for
 * the step in flight, so a shutdown never abandons work halfway (and a kill -9 is
 * covered by the leases the steps take).
 */
export class ProcessingLoop {
  private running = false;
  private current: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** A poke that came while a step was running: the next step starts without the idle pause. */
  private poked = false;
  private readonly logger: Logger;

  constructor(
    private readonly name: string,
    private readonly step: () => Promise<number>,
    private readonly options: { idleMs: number; errorMs: number },
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
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.current;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let pause = 0;
      this.poked = false;
      try {
        if ((await this.step()) === 0) pause = this.options.idleMs;
      } catch (error) {
        this.logger.error({ err: error }, `${this.name} step failed`);
        pause = this.options.errorMs;
      }
      if (pause > 0 && this.running && !this.poked) await this.sleep(pause);
    }
  }

  private sleep(ms: number): Promise<void> {
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
