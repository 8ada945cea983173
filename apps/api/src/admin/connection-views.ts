import { Injectable } from '@nestjs/common';
import { ConnectionHealthRepository, type Connection } from '@sb/db';
import { connectionView, healthChangeView } from './views';

/** How many transitions the health history answers with. */
export const HEALTH_HISTORY_LIMIT = 100;

/** Connection views with the health monitor's state (REST and GraphQL). */
@Injectable()
export class ConnectionViews {
  constructor(private readonly health: ConnectionHealthRepository) {}

  async one(connection: Connection): Promise<ReturnType<typeof connectionView>> {
    const states = await this.health.states(connection.tenantId, [connection.id]);
    return connectionView(connection, states.get(connection.id));
  }

  async many(tenantId: string, connections: readonly Connection[]): Promise<ReturnType<typeof connectionView>[]> {
    const states = await this.health.states(
      tenantId,
      connections.map((c) => c.id),
    );
    return connections.map((c) => connectionView(c, states.get(c.id)));
  }

  /** The connection's health transitions, newest first (the caller has checked the connection is the tenant's). */
  async history(connection: Pick<Connection, 'tenantId' | 'id'>): Promise<ReturnType<typeof healthChangeView>[]> {
    return (await this.health.changes(connection.tenantId, connection.id, HEALTH_HISTORY_LIMIT)).map(healthChangeView);
  }
}
