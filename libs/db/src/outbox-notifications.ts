import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { Client } from 'pg';

/** The Postgres channel an outbox append notifies; Postgres delivers it only when the appending transaction commits. */
export const OUTBOX_CHANNEL = 'sb_outbox';
/** Reconnect delay after the listening connection drops. */
const RECONNECT_MS = 1_000;

/**
 * Wakes the relay the moment events commit (LISTEN/NOTIFY) instead of at its next
 * poll. Best effort: the relay still polls, so a lost connection or a missed
 * notification costs latency, never an event.
 */
@Injectable()
export class OutboxNotifications implements OnModuleDestroy {
  private readonly logger = new Logger(OutboxNotifications.name);
  private client: Client | null = null;
  private closed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async listen(onCommit: () => void): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.config.databaseUrl });
    client.on('notification', () => onCommit());
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.client === client) this.client = null;
      if (!this.closed) setTimeout(() => void this.listen(onCommit).catch(() => undefined), RECONNECT_MS).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.client = client;
    } catch (error) {
      this.logger.warn({ err: error }, 'outbox notifications unavailable; the relay polls');
      await client.end().catch(() => undefined);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }
}
