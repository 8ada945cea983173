import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { Redis } from 'ioredis';

/** Shared Redis connections: one for commands, workers open their own blocking ones. */
@Injectable()
export class RedisService implements OnModuleDestroy {
  readonly client: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.client = this.connect();
  }

  /** A new connection with the settings BullMQ needs (no per-command retry limit). */
  connect(): Redis {
    return new Redis(this.config.redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  }

  get prefix(): string {
    return this.config.redisPrefix;
  }

  async ping(timeoutMs = 1_000): Promise<void> {
    await Promise.race([
      this.client.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('redis ping timed out')), timeoutMs).unref()),
    ]);
  }

  async onModuleDestroy(): Promise<void> {
    // QUIT waits for a connection that may never come; a client that is not ready is just dropped.
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}
