import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED, OPENAPI_TYPES_OPTIONS, renderSchemaDocuments, SCHEMA_FILES } from './api-schemas';

const ROOT = join(__dirname, '../../..');

/**
 * The committed content of a schema file: HEAD's, since `npm run build` regenerates the
 * working-tree copies before the tests run (outside a git checkout, the working tree's).
 */
function committed(path: string): string {
  try {
    return execFileSync('git', ['show', `HEAD:${path}`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return readFileSync(join(ROOT, path), 'utf8');
  }
}

/** openapi-typescript is ESM all the way down, which Jest cannot load: a plain Node process runs it, as the build does. */
function openApiTypesOf(openapi: string): string {
  const script = `
    const { default: openapiTS, astToString } = require('openapi-typescript');
    const [options, header] = JSON.parse(process.argv[1]);
    let input = '';
    process.stdin.on('data', (c) => (input += c)).on('end', async () => {
      process.stdout.write('/* ' + header + ' */\\n\\n' + astToString(await openapiTS(JSON.parse(input), options)));
    });`;
  return execFileSync(process.execPath, ['-e', script, JSON.stringify([OPENAPI_TYPES_OPTIONS, GENERATED])], { cwd: ROOT, input: openapi, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/**
 * Routes still without a response schema. Empty: every route documents its answer
 * (`@DocumentResponse`); keep it that way, the console's types come from them.
 */
const PENDING_RESPONSE_SCHEMAS = new Set<string>([]);

/**
 * The console's typed GraphQL documents (src/api/gql) as @graphql-codegen would write them now
 * from the SDL and the console's `gql(…)` documents; run in a plain Node process like the build.
 */
function consoleGqlFiles(): { filename: string; content: string }[] {
  const script = `
    const { generate, loadContext } = require('@graphql-codegen/cli');
    (async () => {
      const context = await loadContext('apps/console/codegen.ts');
      context.updateConfig({ silent: true });
      const files = await generate(context, false);
      process.stdout.write(JSON.stringify(files.map(({ filename, content }) => ({ filename, content }))));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as { filename: string; content: string }[];
}

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>; parameters?: { name: string; in: string }[] };

describe('API schema files for the console’s typed clients', () => {
  let rendered: Awaited<ReturnType<typeof renderSchemaDocuments>>;
  beforeAll(async () => {
    rendered = await renderSchemaDocuments();
  }, 60_000);

  it('the committed GraphQL SDL is up to date (run `npm run api:schemas` and commit)', () => {
    expect(committed(SCHEMA_FILES.graphql) === rendered.graphql).toBe(true);
  });

  it('the committed OpenAPI document is up to date (run `npm run api:schemas` and commit)', () => {
    expect(committed(SCHEMA_FILES.openapi) === rendered.openapi).toBe(true);
  });

  it('the committed OpenAPI types are those of the document (run `npm run api:schemas` and commit)', () => {
    expect(committed(SCHEMA_FILES.openapiTypes) === openApiTypesOf(rendered.openapi)).toBe(true);
  }, 60_000);

  it('the committed console GraphQL documents are those codegen writes (run `npm run console:gql` and commit)', () => {
    const files = consoleGqlFiles();
    expect(files.map((f) => f.filename).sort()).toEqual(['apps/console/src/api/gql/gql.ts', 'apps/console/src/api/gql/graphql.ts', 'apps/console/src/api/gql/index.ts']);
    const stale = files.filter((f) => committed(f.filename) !== f.content).map((f) => f.filename);
    expect(stale).toEqual([]);
  }, 60_000);

  it('documents a 2xx JSON response schema for every REST route (204 and redirect-only 302 routes excepted) and the problem+json error', () => {
    const undocumented: string[] = [];
    const withoutProblem: string[] = [];
    let operations = 0;
    for (const [path, item] of Object.entries(rendered.document.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
        if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
        operations++;
        const route = `${method.toUpperCase()} ${path}`;
        const responses = Object.entries(operation.responses ?? {});
        const documented = responses.some(
          ([status, r]) => status === '204' || status === '302' || (/^2\d\d$/.test(status) && Object.values(r.content ?? {}).some((c) => typeof c.schema === 'object' && c.schema !== null && Object.keys(c.schema).length > 0)),
        );
        if (!documented && !PENDING_RESPONSE_SCHEMAS.has(route)) undocumented.push(route);
        if (documented && PENDING_RESPONSE_SCHEMAS.has(route)) undocumented.push(`${route} (documented now: remove it from PENDING_RESPONSE_SCHEMAS)`);
        if (!operation.responses?.default?.content?.['application/problem+json']) withoutProblem.push(route);
      }
    }
    expect(operations).toBeGreaterThan(50);
    expect(undocumented).toEqual([]);
    expect(withoutProblem).toEqual([]);
  });

  it('documents query parameters from the routes’ zod schemas', () => {
    const list = (rendered.document.paths['/v1/connections/{id}/hl7/messages']?.get as Operation | undefined)?.parameters?.filter((p) => p.in === 'query').map((p) => p.name);
    // (patientIdentifier is PHI: it is searched in a POST body, never a query parameter.)
    expect(list).toEqual(expect.arrayContaining(['status', 'type', 'controlId', 'from', 'to', 'limit', 'before']));
  });

  it('writes the SDL with the types the console queries', () => {
    expect(rendered.graphql).toMatch(/type ConnectionTestStep \{[^}]*hint: String/);
  });
});
