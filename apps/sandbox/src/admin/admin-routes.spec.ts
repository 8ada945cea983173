import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { athenaToken } from '../athena/testing/athena-session';
import { oracleToken, postJson, startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { CLIENTS_FILE } from './client-registry';

describe('_sandbox admin routes', () => {
  let sandbox: TestSandbox;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.dispose());

  it.each(['epic', 'oracle'])('lists the %s test patients as {id, mrn, family, given, birthDate}', async (vendor) => {
    const res = await fetch(`${sandbox.url}/_sandbox/patients?vendor=${vendor}`);
    expect(res.status).toBe(200);
    const patients = (await res.json()) as Record<string, string>[];
    expect(patients.length).toBeGreaterThanOrEqual(50);
    for (const p of patients) {
      expect(Object.keys(p).sort()).toEqual(['birthDate', 'family', 'given', 'id', 'mrn']);
      expect(p.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.id).toMatch(vendor === 'epic' ? /^e[A-Za-z0-9.-]+3$/ : /^\d+$/);
    }
  });

  it('lists the same people under both vendors, with different ids and MRNs', async () => {
    const get = async (v: string) => (await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=${v}`)).json()) as Record<string, string>[];
    const [epic, oracle] = [await get('epic'), await get('oracle')];
    expect(oracle.map((p) => [p.family, p.given, p.birthDate])).toEqual(epic.map((p) => [p.family, p.given, p.birthDate]));
    expect(oracle[0]?.id).not.toBe(epic[0]?.id);
    expect(oracle[0]?.mrn).not.toBe(epic[0]?.mrn);
  });

  it('lists the athena test patients with athena FHIR ids and the patientid as mrn', async () => {
    const patients = (await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=athena`)).json()) as Record<string, string>[];
    expect(patients).toHaveLength(60);
    expect(patients[0]).toMatchObject({ id: 'a-195900.E-7001', mrn: '7001' });
  });

  it('refuses a missing or unknown vendor', async () => {
    expect((await fetch(`${sandbox.url}/_sandbox/patients`)).status).toBe(400);
    expect((await fetch(`${sandbox.url}/_sandbox/patients?vendor=cerner`)).status).toBe(400);
  });

  it('answers health', async () => {
    expect(await (await fetch(`${sandbox.url}/_sandbox/health`)).json()).toMatchObject({ status: 'ok', patients: 60 });
  });

  it('validates registrations', async () => {
    const res = await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'epic', clientId: 'x' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'cerner' })).status).toBe(400);
    const malformed = await fetch(`${sandbox.url}/_sandbox/clients`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(malformed.status).toBe(400);
  });

  it('persists registrations (mode 0600) across restarts, and forgets deleted clients', async () => {
    const epic = await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'epic', clientId: 'persisted-epic', jwksUrl: 'http://127.0.0.1:1/jwks.json' });
    expect(epic.status).toBe(201);
    const reg = (await (await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'oracle', clientId: 'persisted-oracle' })).json()) as {
      clientId: string;
      clientSecret: string;
      tenantId: string;
      tokenUrl: string;
    };
    const file = join(sandbox.stateDir, CLIENTS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(reg.clientSecret);

    const restarted = await startTestSandbox({ stateDir: sandbox.stateDir });
    try {
      const clients = (await (await fetch(`${restarted.url}/_sandbox/clients`)).json()) as { clientId: string }[];
      expect(clients.map((c) => c.clientId)).toEqual(expect.arrayContaining(['persisted-epic', 'persisted-oracle']));
      const tokenUrl = reg.tokenUrl.replace(sandbox.url, restarted.url);
      expect((await oracleToken(tokenUrl, reg.clientId, reg.clientSecret, 'system/Patient.read')).status).toBe(200);
      expect((await fetch(`${restarted.url}/_sandbox/clients/persisted-oracle`, { method: 'DELETE' })).status).toBe(204);
      expect((await fetch(`${restarted.url}/_sandbox/clients/persisted-oracle`, { method: 'DELETE' })).status).toBe(404);
      expect((await oracleToken(tokenUrl, reg.clientId, reg.clientSecret, 'system/Patient.read')).status).toBe(401);
    } finally {
      await restarted.close();
    }
  });

  it('keeps the tenant and issues a new secret when an Oracle client registers again', async () => {
    const first = (await (await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'oracle', clientId: 'again' })).json()) as { tenantId: string; clientSecret: string };
    const second = (await (await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'oracle', clientId: 'again' })).json()) as { tenantId: string; clientSecret: string };
    expect(second.tenantId).toBe(first.tenantId);
    expect(second.clientSecret).not.toBe(first.clientSecret);
  });

  it('persists athena registrations (hashed secret, granted practices) across restarts', async () => {
    const reg = (await (await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'athena', clientId: 'persisted-athena', practiceIds: ['195901'] })).json()) as {
      clientSecret: string;
      tokenUrl: string;
      athenaBaseUrl: string;
      practiceId: string;
    };
    expect(reg).toMatchObject({ practiceId: '195901', athenaBaseUrl: `${sandbox.url}/athena`, tokenUrl: `${sandbox.url}/athena/oauth2/v1/token` });
    expect(readFileSync(join(sandbox.stateDir, CLIENTS_FILE), 'utf8')).not.toContain(reg.clientSecret);
    const restarted = await startTestSandbox({ stateDir: sandbox.stateDir });
    try {
      const clients = (await (await fetch(`${restarted.url}/_sandbox/clients`)).json()) as { clientId: string; practiceIds?: string[] }[];
      expect(clients.find((c) => c.clientId === 'persisted-athena')?.practiceIds).toEqual(['195901']);
      expect((await athenaToken(`${restarted.url}/athena/oauth2/v1/token`, 'persisted-athena', reg.clientSecret)).status).toBe(200);
    } finally {
      await restarted.close();
    }
  });

  it('loads a client file written before athena existed', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sb-sandbox-old-'));
    const old = {
      version: 1,
      clients: [
        { vendor: 'epic', clientId: 'old-epic', jwksUrl: 'http://127.0.0.1:1/jwks.json', createdAt: '2026-01-01T00:00:00.000Z' },
        { vendor: 'oracle', clientId: 'old-oracle', secretSha256: 'a'.repeat(64), tenantId: '7e1b7a52-9a3e-4b8e-8d55-1f0f3c1c2b11', createdAt: '2026-01-01T00:00:00.000Z' },
      ],
    };
    writeFileSync(join(stateDir, CLIENTS_FILE), JSON.stringify(old), { mode: 0o600 });
    const started = await startTestSandbox({ stateDir });
    try {
      const clients = (await (await fetch(`${started.url}/_sandbox/clients`)).json()) as { clientId: string }[];
      expect(clients.map((c) => c.clientId).sort()).toEqual(['old-epic', 'old-oracle']);
    } finally {
      await started.dispose();
    }
  });

  it('takes athena settings and validates them', async () => {
    const put = (body: unknown) => fetch(`${sandbox.url}/_sandbox/athena/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put({ subscriptionDelayMs: 2500 })).status).toBe(200);
    expect(await (await fetch(`${sandbox.url}/_sandbox/athena/settings`)).json()).toEqual({ tokensPerMinute: 5, subscriptionDelayMs: 2500 });
    expect((await put({ tokensPerMinute: 0 })).status).toBe(400);
    expect((await put({ other: 1 })).status).toBe(400);
  });
});
