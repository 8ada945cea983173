import { startTestSandbox } from '../../apps/sandbox/src/testing/sandbox-harness';
import { exportJWK, generateKeyPair } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionFor, describeAdapterContract } from './adapter-contract';

describeAdapterContract('Epic', async () => {
  const sandbox = await startTestSandbox();
  const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'contract', alg: 'RS384', use: 'sig' };
  const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const clientId = 'epic-contract-client';
  const reg = (await (
    await fetch(`${sandbox.url}/_sandbox/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vendor: 'epic', clientId, jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` }),
    })
  ).json()) as { fhirBaseUrl: string; tokenUrl: string };
  let uses = 0;
  return {
    vendor: 'epic',
    sandboxUrl: sandbox.url,
    connection: connectionFor('epic', { fhirBaseUrl: reg.fhirBaseUrl, tokenUrl: reg.tokenUrl, clientId, authAlg: 'RS384' }),
    credentials: {
      signingKey: () => {
        uses += 1;
        return Promise.resolve({ kid: 'contract', alg: 'RS384', privateKey });
      },
      clientSecret: () => Promise.reject(new Error('Epic uses client assertions')),
    },
    credentialUses: () => uses,
    dispose: async () => {
      await new Promise<void>((r) => jwks.close(() => r()));
      await sandbox.dispose();
    },
  };
});
