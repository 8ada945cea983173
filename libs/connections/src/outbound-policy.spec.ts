import { buildConfig } from '@sb/config';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outboundPolicyFor, validateConnectionUrl, validateMllpHost, type ConnectionReach } from './outbound-policy';

const stateDir = mkdtempSync(join(tmpdir(), 'sb-outbound-'));
const production = buildConfig({
  SB_STATE_DIR: stateDir,
  NODE_ENV: 'production',
  SB_ADMIN_TOKEN: 'x'.repeat(40),
  SB_VAULT_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
  SB_PUBLIC_URL: 'https://gateway.example',
  SB_SANDBOX_URL: 'http://127.0.0.1:4000',
  SB_SANDBOX_MLLP_PORT: '4575',
});
const development = buildConfig({ SB_STATE_DIR: stateDir });

const reach = (environment: 'sandbox' | 'production', addresses: Partial<ConnectionReach> = {}): ConnectionReach => ({
  environment,
  fhirBaseUrl: null,
  tokenUrl: null,
  athenaBaseUrl: null,
  mllpHost: null,
  mllpPort: null,
  ...addresses,
});

const issuesOf = async (raw: string, policy: ReturnType<typeof outboundPolicyFor>) =>
  validateConnectionUrl(raw, 'fhirBaseUrl', policy).then(
    () => [],
    (e: { issues?: { path: string; message: string }[] }) => e.issues ?? [],
  );

describe('connection URLs in production mode (SSRF guard)', () => {
  const prodLive = outboundPolicyFor(production, reach('production'));
  const onTheSandbox = outboundPolicyFor(production, reach('sandbox', { fhirBaseUrl: 'http://127.0.0.1:4000/epic/fhir', tokenUrl: 'http://127.0.0.1:4000/epic/oauth2/token' }));

  it.each(['https://10.1.2.3/fhir', 'https://192.168.0.10/r4', 'https://[fd00::1]/fhir', 'https://169.254.169.254/latest', 'https://127.0.0.1/fhir'])(
    'refuses %s for a production connection',
    async (url) => {
      expect(await issuesOf(url, prodLive)).toEqual([expect.objectContaining({ path: 'fhirBaseUrl' })]);
    },
  );

  it('refuses plain http for a production connection', async () => {
    expect((await issuesOf('http://203.0.113.9/fhir', prodLive))[0]?.message).toMatch(/https/);
  });

  it('allows loopback only for a sandbox connection whose every address is the built-in sandbox', async () => {
    await expect(validateConnectionUrl('http://127.0.0.1:4000/epic/fhir/', 'fhirBaseUrl', onTheSandbox)).resolves.toBe('http://127.0.0.1:4000/epic/fhir');
    const mllpSandbox = outboundPolicyFor(production, reach('sandbox', { mllpHost: '127.0.0.1', mllpPort: 4575 }));
    await expect(validateMllpHost('127.0.0.1', mllpSandbox)).resolves.toBeUndefined();
  });

  it.each([
    ['another loopback port', { fhirBaseUrl: 'http://127.0.0.1:5432/' }],
    ['the sandbox base with a token URL elsewhere on the host', { fhirBaseUrl: 'http://127.0.0.1:4000/epic/fhir', tokenUrl: 'http://127.0.0.1:6379/' }],
    ['https on the sandbox port', { fhirBaseUrl: 'https://127.0.0.1:4000/epic/fhir' }],
    ['a private address', { fhirBaseUrl: 'http://10.1.2.3:4000/fhir' }],
  ])('refuses loopback and private addresses to a sandbox connection pointing at %s (production mode)', async (_, addresses) => {
    const policy = outboundPolicyFor(production, reach('sandbox', addresses));
    expect(policy.policy).toEqual({ allowPrivate: false, allowLoopback: false });
    expect(await issuesOf(Object.values(addresses).at(-1)!, policy)).toEqual([{ path: 'fhirBaseUrl', message: expect.stringMatching(/address, which this deployment does not allow/) }]);
  });

  it('refuses an MLLP host on loopback but not the sandbox’s MLLP port, and keeps plain http for sandbox connections', async () => {
    const elsewhere = outboundPolicyFor(production, reach('sandbox', { mllpHost: '127.0.0.1', mllpPort: 22 }));
    await expect(validateMllpHost('127.0.0.1', elsewhere)).rejects.toMatchObject({ issues: [{ path: 'mllpHost', message: expect.stringMatching(/loopback/) }] });
    await expect(validateMllpHost('::1', outboundPolicyFor(production, reach('production')))).rejects.toMatchObject({ issues: [{ path: 'mllpHost' }] });
    expect(elsewhere.allowHttp).toBe(true);
    expect(outboundPolicyFor(production, 'public')).toEqual({ policy: { allowPrivate: false, allowLoopback: false }, allowHttp: false });
    // Naming no address is not naming the sandbox.
    expect(outboundPolicyFor(production, reach('sandbox')).policy).toEqual({ allowPrivate: false, allowLoopback: false });
  });

  it('refuses metadata addresses even where private targets are allowed', async () => {
    expect(await issuesOf('http://169.254.169.254/latest', outboundPolicyFor(development, reach('production')))).toHaveLength(1);
  });

  it('allows private targets in development', async () => {
    expect(await issuesOf('http://10.1.2.3/fhir', outboundPolicyFor(development, reach('production')))).toEqual([]);
  });
});
