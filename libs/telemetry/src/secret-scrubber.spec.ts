import { scrubForeignMessage, scrubSecrets } from './secret-scrubber';

describe('scrubSecrets', () => {
  it.each([
    ['Authorization: Bearer abc.def-ghi', 'Authorization: Bearer [redacted]'],
    ['jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig-nature_1 end', 'jwt [redacted] end'],
    ['key sbk_k7Qf2aXp_Q2hhbmdlTWVQbGVhc2Ux used', 'key [redacted] used'],
    ['legacy sb_AbCdEf0123456789xyz used', 'legacy [redacted] used'],
    ['op token sbop_Zx9Yw8Vu7Ts6Rq5P', 'op token [redacted]'],
    ['client sbcs_aB3dE5fG7hJ9kL1mN3pQ', 'client [redacted]'],
    ['postgres://app:hunter2@db/sb', 'postgres://[redacted]@db/sb'],
    ['client_secret=s3cr3t&grant_type=x', 'client_secret=[redacted]&grant_type=x'],
    ['master Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g= done', 'master [redacted] done'],
    ['digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'digest [redacted]'],
  ])('masks %p', (input, expected) => expect(scrubSecrets(input)).toBe(expected));

  it.each([
    'trace 0af7651916cd43dd8448eb211c80319c',
    'request 4bf92f35-77b3-4da6-a3ce-929d0e0e4736',
    '/home/app/node_modules/@opentelemetry/instrumentation-express/build/src',
    'database sb_test_1795475412171_afc11cd9',
    'visible key prefix sbk_k7Qf2aXp',
    'client id sbc_AbCdEfGhJk0123456789',
  ])('leaves %p alone', (input) => expect(scrubSecrets(input)).toBe(input));
});

describe('scrubForeignMessage', () => {
  it('masks quoted input, e-mails, dates and identifiers but keeps the shape', () => {
    expect(
      scrubForeignMessage(`Unexpected token 'J', "Jane Smith" is not valid JSON; jane@example.org born 1970-01-31 ssn 123-45-6789 mrn 00012345`),
    ).toBe(`Unexpected token '…', "…" is not valid JSON; [email] born [date] ssn [number] mrn [number]`);
  });

  it('keeps messages without user input readable', () => {
    expect(scrubForeignMessage('connect ECONNREFUSED 127.0.0.1:5432')).toBe('connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('caps the length', () => {
    expect(scrubForeignMessage('x'.repeat(2000)).length).toBeLessThanOrEqual(501);
  });
});
