import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { AssertionError, verifyClientAssertion, type AssertionFailure } from './client-assertion';

const TOKEN_URL = 'https://gateway.example/oauth/token';
const CLIENT = 'sbc_testclient';

describe('verifyClientAssertion', () => {
  let privateKey: CryptoKey;
  let jwks: { keys: JWK[] };
  let seen: Set<string>;
  const now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES384');
    privateKey = pair.privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES384' }] };
  });
  beforeEach(() => {
    seen = new Set();
  });

  const sign = (claims: Record<string, unknown> = {}, key: CryptoKey = privateKey, alg = 'ES384') => {
    const payload = { iss: CLIENT, sub: CLIENT, aud: TOKEN_URL, exp: now + 240, jti: `jti-${Math.random()}`, ...claims };
    const defined = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
    return new SignJWT(defined).setProtectedHeader({ alg, kid: 'k1' }).sign(key);
  };

  const verify = (assertion: string) =>
    verifyClientAssertion(assertion, {
      clientId: CLIENT,
      tokenEndpoint: TOKEN_URL,
      keys: { jwks, jwksUrl: null, allowPrivateTargets: false },
      nowSeconds: now,
      rememberJti: async (jti) => (seen.has(jti) ? false : (seen.add(jti), true)),
    });

  const rejects = async (assertion: Promise<string> | string, reason: AssertionFailure) => {
    const error = await verify(await assertion).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as AssertionError).reason).toBe(reason);
  };

  it('accepts a well-formed assertion once', async () => {
    const a = await sign();
    await expect(verify(a)).resolves.toBeUndefined();
    await rejects(a, 'jti_reused');
  });

  it('rejects exp more than five minutes ahead', () => rejects(sign({ exp: now + 3600 }), 'exp_too_far'));
  it('rejects an expired assertion', () => rejects(sign({ exp: now - 120 }), 'expired'));
  it('rejects the wrong audience', () => rejects(sign({ aud: 'https://elsewhere/token' }), 'wrong_audience'));
  it('rejects a different issuer', () => rejects(sign({ iss: 'someone-else' }), 'wrong_issuer'));
  it('rejects a missing jti', () => rejects(sign({ jti: undefined }), 'missing_jti'));

  it('rejects an unsupported algorithm', async () => {
    const pair = await generateKeyPair('ES256');
    await rejects(sign({}, pair.privateKey, 'ES256'), 'unsupported_alg');
  });

  it('rejects a signature by an unregistered key', async () => {
    const other = await generateKeyPair('ES384');
    await rejects(sign({}, other.privateKey), 'bad_signature');
  });

  it('rejects garbage', () => rejects('not-a-jwt', 'malformed'));

  describe('a JWKS URL', () => {
    let server: Server;
    let url: string;
    let requests = 0;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        requests += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const verifyWith = async (assertion: string, allowPrivateTargets: boolean) =>
      verifyClientAssertion(assertion, {
        clientId: CLIENT,
        tokenEndpoint: TOKEN_URL,
        keys: { jwks: null, jwksUrl: url, allowPrivateTargets },
        nowSeconds: now,
        rememberJti: async () => true,
      });

    it('is never fetched from a loopback address (or over http) when private targets are not allowed', async () => {
      const before = requests;
      const error = await verifyWith(await sign(), false).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AssertionError);
      expect(requests).toBe(before);
    });

    it('is fetched and its keys used when the deployment allows private targets', async () => {
      const before = requests;
      await expect(verifyWith(await sign(), true)).resolves.toBeUndefined();
      expect(requests).toBe(before + 1);
    });
  });
});
