import { buildConfig } from '@sb/config';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outboundPolicyFor, validateConnectionUrl } from './outbound-policy';

const stateDir = mkdtempSync(join(tmpdir(), 'sb-outbound-'));
const production = buildConfig({
  SB_STATE_DIR: stateDir,
  NODE_ENV: 'production',
  SB_ADMIN_TOKEN: 'x'.repeat(40),
  SB_VAULT_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
  SB_PUBLIC_URL: 'https://gateway.example',
});
const development = buildConfig({ SB_STATE_DIR: stateDir });

const issuesOf = async (raw: string, policy: ReturnType<typeof outboundPolicyFor>) =>
  validateConnectionUrl(raw, 'fhirBaseUrl', policy).then(
    () => [],
    (e: { issues?: { path: string; message: string }[] }) => e.issues ?? [],
  );

describe('connection URLs in production mode (SSRF guard)', () => {
  const prodLive = outboundPolicyFor(production, 'production');
  const prodSandbox = outboundPolicyFor(production, 'sandbox');

  it.each(['https://10.1.2.3/fhir', 'https://192.168.0.10/r4', 'https://[fd00::1]/fhir', 'https://169.254.169.254/latest', 'https://127.0.0.1/fhir'])(
    'refuses %s for a production connection',
    async (url) => {
      expect(await issuesOf(url, prodLive)).toEqual([expect.objectContaining({ path: 'fhirBaseUrl' })]);
    },
  );

  it('refuses plain http for a production connection', async () => {
    expect((await issuesOf('http://203.0.113.9/fhir', prodLive))[0]?.message).toMatch(/https/);
  });

  it('allows loopback only for a sandbox connection', async () => {
    await expect(validateConnectionUrl('http://127.0.0.1:4000/epic/fhir/', 'fhirBaseUrl', prodSandbox)).resolves.toBe('http://127.0.0.1:4000/epic/fhir');
    expect(await issuesOf('https://10.1.2.3/fhir', prodSandbox)).toHaveLength(1);
  });

  it('refuses metadata addresses even where private targets are allowed', async () => {
    expect(await issuesOf('http://169.254.169.254/latest', outboundPolicyFor(development, 'production'))).toHaveLength(1);
  });

  it('allows private targets in development', async () => {
    expect(await issuesOf('http://10.1.2.3/fhir', outboundPolicyFor(development, 'production'))).toEqual([]);
  });
});
