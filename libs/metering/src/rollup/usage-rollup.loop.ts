import { Injectable } from '@nestjs/common';

/** Rolls queued usage events up. Started by the worker; stopped on shutdown. */
@Injectable()
export class UsageRollupLoop {
  start(): void {}

  stop(): Promise<void> {
    return Promise.resolve();
  }
}
