import { Injectable } from '@nestjs/common';

/** Evaluates usage alert rules. Started by the worker; stopped on shutdown. */
@Injectable()
export class UsageAlertEvaluator {
  start(): void {}

  stop(): Promise<void> {
    return Promise.resolve();
  }
}
