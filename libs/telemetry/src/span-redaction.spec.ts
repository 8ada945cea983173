import { isExportableAttributeKey } from './span-attribute-policy';
import { redactSpanAttributes } from './span-redaction';
import { scrubSqlLiterals } from './sql-sanitizer';

describe('span attribute export policy', () => {
  it.each([
    'http.method',
    'http.status_code',
    'http.route',
    'url.scheme',
    'server.address',
    'net.peer.name',
    'db.system',
    'db.name',
    'db.statement',
    'graphql.operation.name',
    'graphql.operation.type',
    'graphql.field.name',
    'sb.tenant_id',
    'sb.error_code',
    'exception.type',
    'error.type',
  ])('exports %s', (key) => expect(isExportableAttributeKey(key)).toBe(true));

  it.each([
    'graphql.source',
    'graphql.variables.name',
    'http.request.body',
    'http.response.body.size',
    'http.request.header.authorization',
    'http.response.header.set-cookie',
    'url.query',
    'url.fragment',
    'db.postgresql.values',
    'db.query.parameter.0',
    'enduser.id',
    'enduser.role',
    'user.email',
    'patient.name',
    'http.patient.name',
    'db.patient.birth_date',
    'http.birthdate',
    'network.peer.address',
    'client.address',
    'http.client_ip',
    'exception.message',
    'error.message',
    'sb.patient_name',
    'authorization',
    'x-api-key',
    'http.api_key',
    'custom.anything',
  ])('drops %s', (key) => expect(isExportableAttributeKey(key)).toBe(false));
});

describe('redactSpanAttributes', () => {
  it('strips query strings from URL attributes and from any absolute URL value', () => {
    expect(
      redactSpanAttributes({
        'http.url': 'http://h/fhir/Patient?family=Smith#frag',
        'http.target': '/p?x=1',
        'url.path': '/p',
        'db.connection_string': 'postgresql://app:hunter2@db:5432/sb?sslmode=require',
        'messaging.url': 'https://q.example.org/x?token=abc',
      }),
    ).toEqual({
      'http.url': 'http://h/fhir/Patient',
      'http.target': '/p',
      'url.path': '/p',
      'db.connection_string': 'postgresql://[redacted]@db:5432/sb',
      'messaging.url': 'https://q.example.org/x',
    });
  });

  it('masks credentials in surviving string values', () => {
    expect(redactSpanAttributes({ 'http.user_agent': 'client Bearer eyJhbGciOi.eyJzdWIiOi.c2ln' })).toEqual({
      'http.user_agent': 'client Bearer [redacted]',
    });
  });

  it('scrubs the literals of SQL in db.query.text (Prisma) as in db.statement (pg)', () => {
    const out = redactSpanAttributes({
      'db.system.name': 'postgresql',
      'db.query.text': `SELECT "t0"."id" FROM "public"."Patient" AS "t0" WHERE "t0"."family" = 'O''Brien' LIMIT 10 OFFSET $2`,
    });
    expect(out['db.query.text']).toBe(`SELECT "t0"."id" FROM "public"."Patient" AS "t0" WHERE "t0"."family" = ? LIMIT ? OFFSET $2`);
  });

  it('redacts a repeated value as its key requires, whichever key saw it first', () => {
    const value = "SELECT 'Smith' FROM t WHERE token=abc";
    const asStatement = { 'db.system.name': 'postgresql', 'db.query.text': value };
    const asText = { 'http.user_agent': value };
    for (let round = 0; round < 3; round++) {
      expect(redactSpanAttributes(asText)['http.user_agent']).toBe("SELECT 'Smith' FROM t WHERE token=[redacted]");
      expect(redactSpanAttributes(asStatement)['db.query.text']).toBe('SELECT ? FROM t WHERE token=[redacted]');
    }
  });

  it('keeps redacting past thousands of distinct values', () => {
    for (let i = 0; i < 3000; i++) {
      const url = `http://h/fhir/Patient/${i}?family=Smith${i}`;
      expect(redactSpanAttributes({ 'url.full': url, 'http.user_agent': `Bearer tok${i}` })).toEqual({
        'url.full': `http://h/fhir/Patient/${i}`,
        'http.user_agent': 'Bearer [redacted]',
      });
    }
  });
});

describe('scrubSqlLiterals', () => {
  it('replaces string, dollar-quoted and numeric literals but not placeholders or identifiers', () => {
    expect(scrubSqlLiterals(`INSERT INTO t2 (a, b, c) VALUES ('x', $$Smith$$, 42.5), ($1, $tag$y$tag$, -3)`)).toBe(
      'INSERT INTO t2 (a, b, c) VALUES (?, ?, ?), ($1, ?, ?)',
    );
  });
});
