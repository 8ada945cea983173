/**
 * `npm run bench -- proxy`: what the gateway adds to a Patient read and an
 * Observation search, against the same sandbox EHR called directly, at a fixed
 * concurrency. The api, worker and sandbox run as real processes on a fresh
 * database; the direct client uses its own SMART Backend Services token.
 */
import { startE2eStack } from '@sb/testing';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBenchDatabase } from './bench-database';
import { runLoad, type LoadRequest, type LoadResult } from './load';

const CONCURRENCY = 8;
const REQUESTS = 1000;
const WARMUP = 200;
const TARGETS = { p99AddedMs: 5, throughputRatio: 0.9, graphqlP99OverRest: 1.3 };

async function directEpicToken(sandboxUrl: string): Promise<{ base: string; token: string; close: () => Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS384', use: 'sig' };
  const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const clientId = `bench-${randomUUID()}`;
  const reg = (await (
    await fetch(`${sandboxUrl}/_sandbox/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vendor: 'epic', clientId, jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` }),
    })
  ).json()) as { fhirBaseUrl: string; tokenUrl: string };
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'RS384', kid: 'bench' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(reg.tokenUrl)
    .setExpirationTime(now + 240)
    .sign(privateKey);
  const res = await fetch(reg.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  return { base: reg.fhirBaseUrl, token, close: () => new Promise((r) => jwks.close(() => r())) };
}

async function measure(label: string, make: (i: number) => LoadRequest): Promise<LoadResult> {
  await runLoad(make, WARMUP, CONCURRENCY);
  const result = await runLoad(make, REQUESTS, CONCURRENCY);
  console.log(`  ${label.padEnd(34)} p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  ${result.throughputPerSec} req/s  errors ${result.errors}`);
  if (result.errors > 0) throw new Error(`${label}: ${result.errors} requests failed`);
  return result;
}

export async function run(): Promise<Record<string, unknown>> {
  const database = createBenchDatabase('proxy');
  const stack = await startE2eStack('proxy-bench', ['api', 'worker', 'sandbox'], { DATABASE_URL: database.url, LOG_LEVEL: 'warn' }, { exportSpans: false });
  try {
    const { key } = await stack.newTenant(`bench-${randomUUID().slice(0, 8)}`);
    const connection = await stack.call('POST', '/v1/connections', key, { name: 'Epic sandbox', vendor: 'epic', environment: 'sandbox' });
    if (connection.body.status !== 'live') throw new Error('the bench connection did not go live');
    const cid = connection.body.id as string;
    const patients = (await (await fetch(`${stack.sandboxUrl}/_sandbox/patients?vendor=epic`)).json()) as { id: string }[];
    const pid = (i: number) => patients[i % patients.length]!.id;
    const direct = await directEpicToken(stack.sandboxUrl);
    const directHeaders = { authorization: `Bearer ${direct.token}`, accept: 'application/fhir+json' };
    const gatewayHeaders = { authorization: `Bearer ${key}`, accept: 'application/fhir+json' };
    const gql = (query: string): LoadRequest => ({
      method: 'POST',
      url: `${stack.base}/graphql`,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const obsQuery = (i: number) => `patient=${pid(i)}&category=laboratory&_count=10`;

    console.log(`proxy bench: ${REQUESTS} requests per case at concurrency ${CONCURRENCY} (after ${WARMUP} warm-up)`);
    const directRead = await measure('direct Patient read', (i) => ({ method: 'GET', url: `${direct.base}/Patient/${pid(i)}`, headers: directHeaders }));
    const restRead = await measure('gateway REST Patient read', (i) => ({ method: 'GET', url: `${stack.base}/fhir/r4/${cid}/Patient/${pid(i)}`, headers: gatewayHeaders }));
    const gqlRead = await measure('gateway GraphQL Patient read', (i) => gql(`{ patient(connectionId: "${cid}", id: "${pid(i)}") { id name } }`));
    const directSearch = await measure('direct Observation search', (i) => ({ method: 'GET', url: `${direct.base}/Observation?${obsQuery(i)}`, headers: directHeaders }));
    const restSearch = await measure('gateway REST Observation search', (i) => ({ method: 'GET', url: `${stack.base}/fhir/r4/${cid}/Observation?${obsQuery(i)}`, headers: gatewayHeaders }));
    await direct.close();

    const p99AddedMs = Math.max(restRead.p99Ms - directRead.p99Ms, restSearch.p99Ms - directSearch.p99Ms);
    const throughputRatio = Math.min(restRead.throughputPerSec / directRead.throughputPerSec, restSearch.throughputPerSec / directSearch.throughputPerSec);
    const graphqlP99OverRest = gqlRead.p99Ms / restRead.p99Ms;
    const round = (n: number) => Math.round(n * 100) / 100;
    const met = {
      p99AddedMs: p99AddedMs <= TARGETS.p99AddedMs,
      throughputRatio: throughputRatio >= TARGETS.throughputRatio,
      graphqlP99OverRest: graphqlP99OverRest <= TARGETS.graphqlP99OverRest,
    };
    console.log(`  p99 added ${round(p99AddedMs)} ms (target ≤ ${TARGETS.p99AddedMs}), throughput ${round(throughputRatio)}× direct (target ≥ ${TARGETS.throughputRatio}), GraphQL p99 ${round(graphqlP99OverRest)}× REST (target ≤ ${TARGETS.graphqlP99OverRest})`);
    return {
      bench: 'proxy',
      concurrency: CONCURRENCY,
      requestsPerCase: REQUESTS,
      direct: { patientRead: directRead, observationSearch: directSearch },
      gatewayRest: { patientRead: restRead, observationSearch: restSearch },
      gatewayGraphql: { patientRead: gqlRead },
      p99AddedMs: round(p99AddedMs),
      throughputRatio: round(throughputRatio),
      graphqlP99OverRest: round(graphqlP99OverRest),
      targets: TARGETS,
      met,
    };
  } finally {
    await stack.close();
    await database.drop();
  }
}
