import { canonicalRequest, parseAuthorization, sha256Hex, signAwsRequest, stringToSign, toAmzDate } from './aws-sigv4';

// Known answers from AWS's published Signature Version 4 test suite
// (aws-sig-v4-test-suite: get-vanilla, get-vanilla-query-order-key-case,
// post-vanilla; https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html,
// mirrored in awslabs/aws-c-auth tests/aws-sig-v4-test-suite/).
const EXAMPLE = {
  region: 'us-east-1',
  service: 'service',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  now: new Date('2015-08-30T12:36:00Z'),
};
const CREDENTIAL = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date';

describe('SigV4 against the AWS test suite', () => {
  it('get-vanilla: canonical request, string to sign and signature', () => {
    const { canonical, signedHeaders } = canonicalRequest({
      method: 'GET',
      path: '/',
      query: '',
      headers: { Host: 'example.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' },
      payloadHash: sha256Hex(''),
    });
    expect(canonical).toBe(
      'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n' +
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(signedHeaders).toBe('host;x-amz-date');
    expect(stringToSign('20150830T123600Z', { date: '20150830', region: 'us-east-1', service: 'service' }, canonical)).toBe(
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n' +
        'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
    );
    const headers = signAwsRequest({ ...EXAMPLE, method: 'GET', url: new URL('https://example.amazonaws.com/'), headers: {}, body: '' });
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(`${CREDENTIAL}, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`);
  });

  it('get-vanilla-query-order-key-case: query parameters are sorted', () => {
    const url = new URL('https://example.amazonaws.com/?Param2=value2&Param1=value1');
    const headers = signAwsRequest({ ...EXAMPLE, method: 'GET', url, headers: {}, body: '' });
    expect(headers.authorization).toBe(`${CREDENTIAL}, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500`);
  });

  it('post-vanilla', () => {
    const headers = signAwsRequest({ ...EXAMPLE, method: 'POST', url: new URL('https://example.amazonaws.com/'), headers: {}, body: '' });
    expect(headers.authorization).toBe(`${CREDENTIAL}, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`);
  });
});

describe('signAwsRequest', () => {
  it('signs the session token and every header it sends, and parses back', () => {
    const headers = signAwsRequest({
      ...EXAMPLE,
      credentials: { ...EXAMPLE.credentials, sessionToken: 'token-1' },
      method: 'POST',
      url: new URL('http://127.0.0.1:4566/'),
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.Encrypt' },
      body: '{}',
    });
    expect(headers['x-amz-security-token']).toBe('token-1');
    expect(headers.host).toBeUndefined();
    const parsed = parseAuthorization(headers.authorization);
    expect(parsed?.signedHeaders).toEqual(['content-type', 'host', 'x-amz-date', 'x-amz-security-token', 'x-amz-target']);
    expect(parsed?.scope).toEqual({ date: '20150830', region: 'us-east-1', service: 'service' });
  });

  it('formats dates in ISO 8601 basic form', () => {
    expect(toAmzDate(new Date('2024-02-29T23:59:59.999Z'))).toBe('20240229T235959Z');
  });

  it('rejects a malformed Authorization header', () => {
    expect(parseAuthorization('AWS4-HMAC-SHA256 Credential=x, Signature=abc')).toBeUndefined();
  });
});
