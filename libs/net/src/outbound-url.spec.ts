import { OutboundError } from './outbound-error';
import { parseOutboundUrl, parseOutboundUrlOrFail, type UrlRejectionReason } from './outbound-url';

const HTTPS_ONLY = { allowHttp: false };
const WITH_HTTP = { allowHttp: true };

describe('parseOutboundUrl', () => {
  it.each([
    ['https://fhir.example-hospital.org/R4', 'https://fhir.example-hospital.org/R4'],
    ['https://FHIR.Example.org:8443/api/FHIR/R4/?_format=json', 'https://fhir.example.org:8443/api/FHIR/R4/?_format=json'],
    ['https://127.0.0.1/', 'https://127.0.0.1/'],
    ['https://127.0.0.1.:9443/x', 'https://127.0.0.1:9443/x'],
    ['https://[::1]/', 'https://[::1]/'],
    ['https://[::ffff:127.0.0.1]/', 'https://[::ffff:7f00:1]/'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
  ])('accepts %s as %s', (raw, href) => {
    const result = parseOutboundUrl(raw, HTTPS_ONLY);
    expect(result).toEqual({ ok: true, url: new URL(href) });
  });

  it('accepts http only when allowed', () => {
    expect(parseOutboundUrl('http://localhost:8080/fhir', HTTPS_ONLY)).toEqual({ ok: false, reason: 'scheme_not_allowed' });
    expect(parseOutboundUrl('http://localhost:8080/fhir', WITH_HTTP).ok).toBe(true);
  });

  it.each<[string, UrlRejectionReason]>([
    ['', 'invalid_url'],
    ['not a url', 'invalid_url'],
    ['fhir.example.org/R4', 'invalid_url'],
    ['https://', 'invalid_url'],
    ['https:fhir.example.org', 'invalid_url'],
    ['https:///fhir.example.org', 'invalid_url'],
    [' https://fhir.example.org/', 'invalid_url'],
    ['https://fhir.exa\nmple.org/', 'invalid_url'],
    ['https://fhir.exa\tmple.org/', 'invalid_url'],
    ['https://evil.example\\@fhir.example.org/', 'invalid_url'],
    [`https://fhir.example.org/${'a'.repeat(2100)}`, 'invalid_url'],
    ['ftp://fhir.example.org/', 'scheme_not_allowed'],
    ['file:///etc/passwd', 'scheme_not_allowed'],
    ['gopher://127.0.0.1:6379/_', 'scheme_not_allowed'],
    ['javascript:alert(1)', 'scheme_not_allowed'],
    ['data:text/plain,hi', 'scheme_not_allowed'],
    ['ws://fhir.example.org/', 'scheme_not_allowed'],
    ['https://user:secret@fhir.example.org/', 'credentials_in_url'],
    ['https://user@fhir.example.org/', 'credentials_in_url'],
    ['https://@fhir.example.org/', 'credentials_in_url'],
    ['https://fhir.example.org/R4#frag', 'fragment_not_allowed'],
    ['https://fhir.example.org/R4#', 'fragment_not_allowed'],
    ['https://0x7f.1/', 'host_not_allowed'],
    ['https://0x7f000001/', 'host_not_allowed'],
    ['https://2130706433/', 'host_not_allowed'],
    ['https://0177.0.0.1/', 'host_not_allowed'],
    ['https://127.1/', 'host_not_allowed'],
    ['https://%31%32%37.0.0.1/', 'host_not_allowed'],
    ['https://0251.0376.0251.0376/', 'host_not_allowed'],
  ])('rejects %j as %s', (raw, reason) => {
    expect(parseOutboundUrl(raw, WITH_HTTP)).toEqual({ ok: false, reason });
  });

  it('parseOutboundUrlOrFail throws a static message that leaks nothing of the URL', () => {
    const raw = 'https://admin:hunter2@fhir.example.org/R4?patient=123';
    let thrown: unknown;
    try {
      parseOutboundUrlOrFail(raw, HTTPS_ONLY);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OutboundError);
    const error = thrown as OutboundError;
    expect(error.reason).toBe('credentials_in_url');
    expect(error.code).toBe('bad_request');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toMatch(/hunter2|admin|patient|123/);
  });
});
