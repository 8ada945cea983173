import { FileUrlSigner, S3_TWO_AUTH_MECHANISMS } from './signed-file-store';

describe('FileUrlSigner', () => {
  const signer = new FileUrlSigner();
  const t0 = Date.parse('2026-11-02T12:00:00Z');
  const signed = new URLSearchParams(signer.sign('job/Patient-1.ndjson', t0, 300));

  it('signs S3-style query parameters that check out for the key until they expire', () => {
    expect(signed.get('X-Amz-Date')).toBe('20261102T120000Z');
    expect(signed.get('X-Amz-Credential')).toMatch(/^[A-Z]+\/20261102\/us-east-1\/s3\/aws4_request$/);
    expect(signer.check('job/Patient-1.ndjson', signed, t0 + 300_000)).toBe('ok');
    expect(signer.check('job/Patient-1.ndjson', signed, t0 + 300_001)).toBe('expired');
  });

  it('refuses another key, a changed lifetime, another signer and missing parameters', () => {
    expect(signer.check('job/Patient-2.ndjson', signed, t0)).toBe('bad-signature');
    const longer = new URLSearchParams(signed);
    longer.set('X-Amz-Expires', '86400');
    expect(signer.check('job/Patient-1.ndjson', longer, t0)).toBe('bad-signature');
    expect(new FileUrlSigner().check('job/Patient-1.ndjson', signed, t0)).toBe('bad-signature');
    const missing = new URLSearchParams(signed);
    missing.delete('X-Amz-Signature');
    expect(signer.check('job/Patient-1.ndjson', missing, t0)).toBe('missing');
  });

  it('answers a second auth mechanism with S3 XML', () => {
    const reply = S3_TWO_AUTH_MECHANISMS();
    expect(reply.status).toBe(400);
    expect(reply.headers?.['content-type']).toBe('application/xml');
    expect(reply.body).toMatch(/^<\?xml[^>]*>\n<Error><Code>InvalidArgument<\/Code><Message>Only one auth mechanism allowed;/);
  });
});
