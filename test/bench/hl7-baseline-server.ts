/**
 * The bare baseline of `npm run bench -- hl7`, run as its own process:
 * `@medplum/hl7`'s MLLP server that only inserts each raw message into Postgres
 * and then ACKs it (AA). No routing, no dedupe, no validation, no processing.
 * Usage: node hl7-baseline-server.js <port>; prints "listening" when ready.
 */
import { Hl7Server, type Hl7MessageEvent } from '@medplum/hl7';
import { loadConfig } from '@sb/config';
import { Pool } from 'pg';

const TABLE = 'bench_hl7_baseline_raw';

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const pool = new Pool({ connectionString: loadConfig().databaseUrl, max: 10 });
  await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id bigserial PRIMARY KEY, raw text NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`);
  const server = new Hl7Server((connection) => {
    connection.addEventListener('message', ({ message }: Hl7MessageEvent) => {
      void pool
        .query(`INSERT INTO ${TABLE} (raw) VALUES ($1)`, [message.toString()])
        .then(() => connection.send(message.buildAck()))
        .catch(() => connection.send(message.buildAck({ ackCode: 'AE' })));
    });
  });
  server.start(port);
  process.on('SIGTERM', () => {
    void pool
      .query(`DROP TABLE IF EXISTS ${TABLE}`)
      .finally(() => pool.end())
      .finally(() => process.exit(0));
  });
  console.log('listening');
}

void main();
