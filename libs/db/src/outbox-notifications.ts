import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { Client } from 'pg';

/** The Postgres channel an outbox append notifies; Postgres delivers it only when the appending transaction commits. */
export const OUTBOX_CHANNEL = 'sb_outbox';
/** Notified when the listener has stored inbound HL7 messages (after their commit, at most every few ms). */
export const HL7_INBOUND_CHANNEL = 'sb_hl7_inbound';
/** Notified in the transaction that queues an outbound HL7 message. */
export const HL7_OUTBOUND_CHANNEL = 'sb_hl7_outbound';
/** Notified, with the row's id, when a Connection row changes or goes (a trigger; see ConnectionCache). */
export const CONNECTION_CHANGED_CHANNEL = 'sb_connection_changed';
/** A Bulk Data export was kicked off or cancelled: the worker's export loop wakes. */
export const BULK_EXPORT_CHANNEL = 'sb_bulk_export';
/** Reconnect delay after the listening connection drops. */
const RECONNECT_MS = 1_000;

/**
 * Wakes the worker's loops the moment their work commits (LISTEN/NOTIFY) instead of at
 * their next poll: one connection per process listens on every channel asked for. Best
 * effort: the loops still poll, so a lost connection or a missed notification costs
 * latency, never work.
 */
@Injectable()
export class OutboxNotifications implements OnModuleDestroy {
  private readonly logger = new Logger(OutboxNotifications.name);
  private readonly handlers = new Map<string, ((payload: string) => void)[]>();
  private client: Client | null = null;
  private connections = 0;
  private connecting: Promise<void> | null = null;
  private closed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Which listening connection is up: a new number after every reconnect (notifications sent while none was up
   * are lost), null while none is. What a cache invalidated by notifications checks before trusting itself.
   */
  listeningEpoch(): number | null {
    return this.client ? this.connections : null;
  }

  /** Calls `onNotify` with the payload of each notification of `channel` (outbox commits when none is named). */
  async listen(onNotify: (payload: string) => void, channel: string = OUTBOX_CHANNEL): Promise<void> {
    if (this.closed) return;
    const known = this.handlers.get(channel);
    if (known) known.push(onNotify);
    else this.handlers.set(channel, [onNotify]);
    if (this.client) {
      if (!known) await this.client.query(`LISTEN ${channel}`).catch(() => undefined);
      return;
    }
    await (this.connecting ??= this.connect().finally(() => (this.connecting = null)));
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl });
    client.on('notification', (n) => {
      for (const handler of this.handlers.get(n.channel) ?? []) handler(n.payload ?? '');
    });
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.client === client) this.client = null;
      if (!this.closed) setTimeout(() => void this.reconnect(), RECONNECT_MS).unref();
    });
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
      this.connections += 1;
      this.client = client;
    } catch (error) {
      this.logger.warn({ err: error }, 'database notifications unavailable; the loops poll');
      await client.end().catch(() => undefined);
    }
  }

  private async reconnect(): Promise<void> {
    if (this.closed || this.client || this.connecting) return;
    await (this.connecting = this.connect().finally(() => (this.connecting = null)));
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }
}
