import { Injectable } from '@nestjs/common';
import type { Connection } from './models';
import { CONNECTION_CHANGED_CHANNEL, OutboxNotifications } from './outbox-notifications';
import { ConnectionRepository } from './repositories/connection.repository';

/** A backstop: an entry is re-read at least this often even if no change was heard. */
const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  connection: Connection;
  epoch: number;
  at: number;
}

/**
 * The connection rows transactions run on, kept in memory: every hospital call needs its
 * connection, and the row rarely changes. A trigger notifies every process when a row
 * changes or goes (migration `connection_changed_notify`), and the entry is dropped on
 * commit. While the listening connection is down, or after it reconnected (notifications
 * may have been missed), nothing cached is trusted: lookups go to the database.
 */
@Injectable()
export class ConnectionCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped on every change heard: a read that raced a change is not cached. */
  private changes = 0;
  private listening: Promise<void> | null = null;

  constructor(
    private readonly connections: ConnectionRepository,
    private readonly notifications: OutboxNotifications,
  ) {}

  async findById(tenantId: string, id: string): Promise<Connection | null> {
    this.listening ??= this.notifications.listen((changedId) => this.forget(changedId), CONNECTION_CHANGED_CHANNEL);
    await this.listening;
    const epoch = this.notifications.listeningEpoch();
    const cached = this.entries.get(id);
    if (cached && cached.epoch === epoch && Date.now() - cached.at < MAX_AGE_MS) {
      return cached.connection.tenantId === tenantId ? cached.connection : null;
    }
    const changesBefore = this.changes;
    const connection = await this.connections.findById(tenantId, id);
    if (connection && epoch !== null && this.changes === changesBefore && this.notifications.listeningEpoch() === epoch) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(id, { connection, epoch, at: Date.now() });
    }
    return connection;
  }

  private forget(id: string): void {
    this.changes += 1;
    this.entries.delete(id);
  }
}
