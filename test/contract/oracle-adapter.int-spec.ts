import { startTestSandbox } from '../../apps/sandbox/src/testing/sandbox-harness';
import { connectionFor, describeAdapterContract } from './adapter-contract';

describeAdapterContract('Oracle Health', async () => {
  const sandbox = await startTestSandbox();
  const reg = (await (
    await fetch(`${sandbox.url}/_sandbox/clients`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendor: 'oracle' }) })
  ).json()) as { clientId: string; clientSecret: string; fhirBaseUrl: string; tokenUrl: string };
  let uses = 0;
  return {
    vendor: 'oracle',
    sandboxUrl: sandbox.url,
    connection: connectionFor('oracle', { fhirBaseUrl: reg.fhirBaseUrl, tokenUrl: reg.tokenUrl, clientId: reg.clientId, clientSecretName: 'client_secret' }),
    credentials: {
      signingKey: () => Promise.reject(new Error('Oracle uses a client secret')),
      clientSecret: () => {
        uses += 1;
        return Promise.resolve(Buffer.from(reg.clientSecret, 'utf8'));
      },
    },
    credentialUses: () => uses,
    dispose: () => sandbox.dispose(),
  };
});
