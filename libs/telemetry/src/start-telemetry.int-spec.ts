import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '@sb/config';

const ROOT = join(__dirname, '..', '..', '..');

/*
 * A minimal TypeScript require hook for the child process: the repo's swc
 * settings with the path aliases anchored at the repo root, so the fixture runs
 * as compiled app code does (instrumentations patch real `require` calls).
 */
function childBootstrap(): string {
  const swcrc = JSON.parse(readFileSync(join(ROOT, '.swcrc'), 'utf8')) as { jsc: Record<string, unknown> };
  const options = {
    jsc: { ...swcrc.jsc, baseUrl: ROOT },
    module: { type: 'commonjs', ignoreDynamic: false },
    swcrc: false,
    sourceMaps: 'inline',
  };
  return `
    const swc = require('@swc/core');
    const fs = require('node:fs');
    const options = ${JSON.stringify(options)};
    require.extensions['.ts'] = (module, filename) =>
      module._compile(swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename }).code, filename);
    require(${JSON.stringify(join(__dirname, 'instrumented-app.fixture.ts'))});
  `;
}

interface ExportedSpan {
  name: string;
  spanId: string;
  parentSpanId?: string;
  scope: string;
  attributes: Record<string, unknown>;
  events: unknown[];
}

describe('startTelemetry in an instrumented process (our HTTP spans, graphql, pg)', () => {
  let spans: ExportedSpan[];
  let wire: string;

  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', childBootstrap(), '--', loadConfig().databaseUrl], {
      cwd: ROOT,
      timeout: 60_000,
    });
    spans = JSON.parse(stdout) as ExportedSpan[];
    wire = stdout;
  }, 70_000);

  const scopes = () => new Set(spans.map((s) => s.scope));

  it('produces spans from each instrumentation', () => {
    for (const scope of ['http', 'graphql', 'pg']) {
      expect([...scopes()].some((s) => s.includes(scope))).toBe(true);
    }
  });

  it('leaves out spans that cost per request and tell nothing: pool checkouts, untraced statements', () => {
    expect(spans.filter((s) => s.name.startsWith('pg-pool') || s.name.startsWith('pg.connect'))).toEqual([]);
    expect(spans.filter((s) => s.scope.includes('pg') && String(s.attributes['db.query.text']).includes('poll'))).toEqual([]);
  });

  it('exports no query strings, GraphQL sources or variables, SQL literals or headers', () => {
    for (const leaked of ['Smith', 'Jane', '1970-01-01', 'fixture-secret-token', 'fixture-cookie', 'birthdate']) {
      expect(wire).not.toContain(leaked);
    }
    expect(spans.some((s) => 'graphql.source' in s.attributes)).toBe(false);
  });

  it('keeps the metadata that makes traces useful', () => {
    const server = spans.find((s) => s.scope.includes('http') && s.attributes['http.route'] === '/fhir/Patient/:id');
    expect(server?.name).toBe('GET /fhir/Patient/:id');
    expect(server?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'url.path': '/fhir/Patient/p1',
      'server.address': '127.0.0.1',
    });
    const client = spans.find((s) => s.scope.includes('http') && s.attributes['url.full'] !== undefined && s.attributes['http.request.method'] === 'GET');
    expect(client?.attributes['url.full']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir\/Patient\/p1$/);
    expect(client?.attributes['http.response.status_code']).toBe(200);
    // The call carried its trace to the peer: the server span is the client span's child.
    expect(server?.parentSpanId).toBe(client?.spanId);
    const graphqlSpan = spans.find((s) => s.attributes['graphql.operation.name'] === 'FindPatients');
    expect(graphqlSpan).toBeDefined();
    const query = spans.find((s) => s.scope.includes('pg') && typeof s.attributes['db.query.text'] === 'string');
    expect(query?.attributes).toMatchObject({
      'db.query.text': 'SELECT ?::text AS family, $1::text AS given',
      'db.namespace': expect.stringMatching(/^sb_test_/),
    });
  });
});
