/*
 * Run by start-telemetry.int-spec.ts in a child process, laid out as an app is:
 * telemetry starts first, and express, graphql, pg and http load afterwards. The
 * server span is the api's request middleware's and the client span guardedFetch's.
 * Prints the exported (redacted) spans as JSON on stdout.
 */
import { trace } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Writable } from 'node:stream';
import { createLogger, requestTelemetry, startTelemetry } from './index';

const collected: ReadableSpan[] = [];
const exporter: SpanExporter = {
  export(spans, done) {
    collected.push(...spans);
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};
const telemetry = startTelemetry({ serviceName: 'instrumented-app', exporter });

async function main(databaseUrl: string): Promise<void> {
  const { default: express } = await import('express');
  const { buildSchema, graphql } = await import('graphql');
  // eslint-disable-next-line sb/import-boundaries -- the fixture proves pg spans are redacted, so it needs a raw pg client
  const { Client } = await import('pg');
  const { createServer } = await import('node:http');
  const { guardedFetch, LOCAL_DEVELOPMENT_TARGETS } = await import('@sb/net');
  const logger = createLogger({ serviceName: 'instrumented-app', level: 'info', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });

  const schema = buildSchema('type Patient { id: ID! family: String } type Query { patients(family: String, given: String): [Patient!]! }');
  const rootValue = { patients: (args: { family?: string }) => [{ id: 'p1', family: args.family }] };

  const app = express();
  app.use(requestTelemetry(logger));
  app.get('/fhir/Patient/:id', (_req, res) => {
    res.json({ resourceType: 'Patient', id: 'p1' });
  });
  app.post('/graphql', express.json(), async (req, res) => {
    const body = req.body as { query: string; variables?: Record<string, unknown> };
    res.json(await graphql({ schema, rootValue, source: body.query, variableValues: body.variables }));
  });
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  // Outbound calls to EHRs go through libs/net's guardedFetch, as this one does.
  await guardedFetch(
    `${base}/fhir/Patient/p1?name=Smith&birthdate=1970-01-01`,
    { headers: { authorization: 'Bearer fixture-secret-token', cookie: 'sid=fixture-cookie' } },
    LOCAL_DEVELOPMENT_TARGETS,
    { allowHttp: true },
  );
  await fetch(`${base}/graphql?debug=Smith`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'query FindPatients($family: String) { patients(family: $family, given: "Jane") { id family } }',
      variables: { family: 'Smith' },
    }),
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  // A background poll outside any trace: no span. The same work inside a traced job: a span per statement.
  await client.query("SELECT 'Untraced'::text AS poll");
  await trace.getTracer('fixture').startActiveSpan('job', async (span) => {
    await client.query("SELECT 'Smith'::text AS family, $1::text AS given", ['Jane']);
    span.end();
  });
  await client.end();

  await telemetry.shutdown();
  const plain = collected.map((s) => ({
    name: s.name,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    scope: s.instrumentationScope.name,
    attributes: s.attributes,
    events: s.events,
    status: s.status,
  }));
  process.stdout.write(JSON.stringify(plain));
}

// The database URL is the last argument (node -e leaves no script path in argv).
main(process.argv[process.argv.length - 1] ?? '').catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exitCode = 1;
});
