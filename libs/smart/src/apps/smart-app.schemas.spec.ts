import type { SmartApp } from '@sb/db';
import { generateSmartClientId, generateSmartClientSecret } from './smart-app-credentials';
import { createSmartAppSchema, httpsRequiredReason, isLoopbackHost, updateSmartAppSchema } from './smart-app.schemas';
import { smartAppView } from './smart-app.views';

const valid = {
  name: 'Telehealth Visit',
  launchUrl: 'https://tele.example.com/launch',
  redirectUris: ['https://tele.example.com/callback'],
  scopes: ['launch', 'openid', 'fhirUser', 'patient/Patient.read'],
};

/** The issues of a failed parse, as the ZodPipe renders them (`path` joined with dots). */
function issuesOf(schema: typeof createSmartAppSchema | typeof updateSmartAppSchema, body: unknown) {
  const parsed = schema.safeParse(body);
  expect(parsed.success).toBe(false);
  return parsed.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('createSmartAppSchema', () => {
  it('accepts a public app, defaults confidential to false and stores scopes canonical without duplicates', () => {
    const parsed = createSmartAppSchema.parse({ ...valid, scopes: [...valid.scopes, 'patient/Patient.rs', 'user/Observation.rs?category=laboratory'] });
    expect(parsed).toEqual({
      ...valid,
      confidential: false,
      scopes: ['launch', 'openid', 'fhirUser', 'patient/Patient.rs', 'user/Observation.rs?category=laboratory'],
    });
  });

  it('accepts loopback and http URLs (the deployment decides on https), several redirect URIs, and a confidential app with a JWKS URL', () => {
    const parsed = createSmartAppSchema.parse({
      ...valid,
      launchUrl: 'http://localhost:3000/launch',
      redirectUris: ['http://127.0.0.1:8080/cb', 'https://tele.example.com/cb?x=1'],
      confidential: true,
      jwksUrl: 'https://tele.example.com/.well-known/jwks.json',
    });
    expect(parsed.redirectUris).toHaveLength(2);
    expect(parsed.jwksUrl).toBe('https://tele.example.com/.well-known/jwks.json');
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['an empty name', { name: '  ' }, 'name', /required/],
    ['a name over 100 characters', { name: 'x'.repeat(101) }, 'name', /at most 100 characters/],
    ['a relative launch URL', { launchUrl: '/launch' }, 'launchUrl', /absolute http or https URL/],
    ['a launch URL of another scheme', { launchUrl: 'ftp://tele.example.com/launch' }, 'launchUrl', /http or https/],
    ['a launch URL with a fragment', { launchUrl: 'https://tele.example.com/launch#x' }, 'launchUrl', /fragment/],
    ['a launch URL with credentials', { launchUrl: 'https://u:p@tele.example.com/launch' }, 'launchUrl', /credentials/],
    ['no redirect URI', { redirectUris: [] }, 'redirectUris', /at least one redirect URI/],
    ['eleven redirect URIs', { redirectUris: Array.from({ length: 11 }, (_, i) => `https://tele.example.com/cb${i}`) }, 'redirectUris', /at most 10 redirect URIs/],
    ['a redirect URI with a fragment', { redirectUris: ['https://tele.example.com/cb', 'https://tele.example.com/cb2#frag'] }, 'redirectUris.1', /fragment/],
    ['a custom-scheme redirect URI', { redirectUris: ['com.example.app:/cb'] }, 'redirectUris.0', /http/],
    ['a repeated redirect URI', { redirectUris: ['https://tele.example.com/cb', 'https://tele.example.com/cb'] }, 'redirectUris.1', /duplicate of redirectUris\.0/],
    ['no scope', { scopes: [] }, 'scopes', /at least one scope/],
    ['51 scopes', { scopes: Array.from({ length: 51 }, () => 'launch') }, 'scopes', /at most 50 scopes/],
    ['an unknown scope', { scopes: ['launch', 'patient/Patient.fly'] }, 'scopes.1', /not a SMART scope: "patient\/Patient\.fly"/],
    ['an admin scope', { scopes: ['admin:users'] }, 'scopes.0', /not a SMART scope: "admin:users"/],
    ['a v1 scope with a restriction', { scopes: ['patient/Observation.read?category=laboratory'] }, 'scopes.0', /not a SMART scope/],
    ['a JWKS URL on a public app', { jwksUrl: 'https://tele.example.com/jwks' }, 'jwksUrl', /only a confidential app authenticates with keys/],
    ['a JWKS URL that is not a URL', { confidential: true, jwksUrl: 'keys' }, 'jwksUrl', /absolute http or https URL/],
    ['confidential that is not a boolean', { confidential: 'yes' }, 'confidential', /boolean/],
    ['an unknown field', { clientSecret: 'mine' }, '', /Unrecognized key/],
  ])('refuses %s', (_what, change, path, message) => {
    expect(issuesOf(createSmartAppSchema, { ...valid, ...change })).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
  });

  it('names every invalid scope, each at its index', () => {
    const issues = issuesOf(createSmartAppSchema, { ...valid, scopes: ['launch', 'Patient.read', 'openid', 'system/foo.rs'] });
    expect(issues).toEqual([
      { path: 'scopes.1', message: 'not a SMART scope: "Patient.read"' },
      { path: 'scopes.3', message: 'not a SMART scope: "system/foo.rs"' },
    ]);
  });

  it('requires every field but confidential and jwksUrl', () => {
    expect(issuesOf(createSmartAppSchema, {}).map((i) => i.path).sort()).toEqual(['launchUrl', 'name', 'redirectUris', 'scopes']);
  });
});

describe('updateSmartAppSchema', () => {
  it('takes any of the fields, with the same rules', () => {
    expect(updateSmartAppSchema.parse({ scopes: ['patient/*.read'] })).toEqual({ scopes: ['patient/*.rs'] });
    expect(updateSmartAppSchema.parse({ name: ' Renamed ' })).toEqual({ name: 'Renamed' });
    expect(issuesOf(updateSmartAppSchema, { redirectUris: ['https://a.example/cb', 'https://a.example/cb'] })).toEqual([
      { path: 'redirectUris.1', message: 'duplicate of redirectUris.0' },
    ]);
  });

  it('refuses an empty patch and what cannot change (confidential, client id)', () => {
    expect(issuesOf(updateSmartAppSchema, {})).toEqual([{ path: '', message: 'at least one field is required' }]);
    expect(issuesOf(updateSmartAppSchema, { confidential: true })[0]?.message).toMatch(/Unrecognized key/);
    expect(issuesOf(updateSmartAppSchema, { clientId: 'sbsa_x' })[0]?.message).toMatch(/Unrecognized key/);
  });
});

describe('https in production mode', () => {
  it('is not required outside production', () => {
    expect(httpsRequiredReason('http://tele.example.com/launch', false)).toBeNull();
  });

  it.each(['http://localhost:3000/cb', 'http://127.0.0.1/cb', 'http://127.8.9.1:99/cb', 'http://[::1]:8080/cb', 'http://app.localhost/cb', 'https://tele.example.com/cb'])(
    'accepts %s for the browser',
    (url) => {
      expect(httpsRequiredReason(url, true)).toBeNull();
    },
  );

  it('refuses plain http to other hosts, and to loopback for what the gateway fetches', () => {
    expect(httpsRequiredReason('http://tele.example.com/cb', true)).toMatch(/must be an https URL in production mode \(http only for a loopback host\)/);
    expect(httpsRequiredReason('http://10.0.0.5/cb', true)).toMatch(/https/);
    expect(httpsRequiredReason('http://localhost/jwks', true, false)).toBe('must be an https URL in production mode');
  });

  it('knows loopback hosts', () => {
    expect(['localhost', 'LOCALHOST.', '127.0.0.1', '[::1]', 'dev.localhost'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['localhost.example.com', '128.0.0.1', 'example.com'].map(isLoopbackHost)).toEqual([false, false, false]);
  });
});

describe('credentials and views', () => {
  it('makes client ids of sbsa_ + 20 alphanumerics and secrets of sbss_ + 32 bytes base64url, each different', () => {
    const ids = new Set(Array.from({ length: 50 }, generateSmartClientId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^sbsa_[A-Za-z0-9]{20}$/);
    const secret = generateSmartClientSecret();
    expect(secret).toMatch(/^sbss_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret.slice(5), 'base64url')).toHaveLength(32);
    expect(generateSmartClientSecret()).not.toBe(secret);
  });

  it('never puts a secret hash in the view, and names the client type', () => {
    const app = {
      id: 'a',
      tenantId: 't',
      name: 'n',
      clientId: 'sbsa_x',
      confidential: true,
      hasSecret: true,
      jwksUrl: null,
      launchUrl: 'https://a.example/l',
      redirectUris: [],
      scopes: [],
      createdAt: new Date(),
      updatedAt: new Date(),
      secretHash: 'f'.repeat(64),
    } as SmartApp;
    const view = smartAppView(app);
    expect(JSON.stringify(view)).not.toContain('f'.repeat(64));
    expect(view).not.toHaveProperty('secretHash');
    expect(view).not.toHaveProperty('tenantId');
    expect(view.clientType).toBe('confidential-symmetric');
    expect(smartAppView({ ...app, jwksUrl: 'https://a.example/jwks', hasSecret: false }).clientType).toBe('confidential-asymmetric');
    expect(smartAppView({ ...app, confidential: false, hasSecret: false }).clientType).toBe('public');
  });
});
