import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RedactingSpanExporter } from './redacting-span-exporter';
import { SAFE_SPAN_ATTRIBUTE } from './safe-span-attributes';

const PHI = ['Smith', '1970-01-01', '123 Main', 'Jane'];
const SECRETS = ['abc123secretvalue', 'sbk_k7Qf2aXp_Q2hhbmdlTWVQbGVhc2Ux', 'sessionid=xyz789'];

describe('RedactingSpanExporter with a real tracer provider', () => {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new RedactingSpanExporter(memory))],
  });
  const tracer = provider.getTracer('redaction-test');

  afterEach(() => memory.reset());
  afterAll(() => provider.shutdown());

  function exportOne(build: (span: ReturnType<typeof tracer.startSpan>) => void) {
    const span = tracer.startSpan('GET /fhir/Patient?name=Smith');
    build(span);
    span.end();
    const spans = memory.getFinishedSpans();
    expect(spans).toHaveLength(1);
    const [exported] = spans;
    // Everything an exporter would serialize, resource aside.
    const wire = JSON.stringify({
      name: exported.name,
      attributes: exported.attributes,
      events: exported.events,
      links: exported.links,
      status: exported.status,
    });
    return { exported, wire };
  }

  it('lets none of the PHI or secrets in URLs, GraphQL sources, headers or exceptions through', () => {
    const { exported, wire } = exportOne((span) => {
      span.setAttributes({
        'http.method': 'GET',
        'http.url': 'https://api.example.org/fhir/Patient?name=Smith&birthdate=1970-01-01',
        'url.full': 'https://user:abc123secretvalue@ehr.example.org/Patient?family=Smith',
        'http.target': '/fhir/Patient?name=Smith',
        'url.path': '/fhir/Patient',
        'url.query': 'name=Smith',
        'graphql.source': 'query { patients(name: "Smith") { id } }',
        'graphql.operation.name': 'FindPatients',
        'http.request.header.authorization': ['Bearer abc123secretvalue'],
        'http.request.header.cookie': ['sessionid=xyz789'],
        'http.request.header.x-api-key': ['sbk_k7Qf2aXp_Q2hhbmdlTWVQbGVhc2Ux'],
        authorization: 'Bearer abc123secretvalue',
        'db.statement': "SELECT * FROM patient WHERE family = 'Smith' AND tenant_id = $1",
        'db.postgresql.values': ['Smith'],
        'enduser.id': 'Jane',
        'patient.name': 'Jane Smith',
        'fhir.patient.birth_date': '1970-01-01',
        'http.response.body': '{"name":"Smith"}',
        'client.address': '10.1.2.3',
        [SAFE_SPAN_ATTRIBUTE.tenantId]: 'tenant-1',
        [SAFE_SPAN_ATTRIBUTE.vendor]: 'epic',
        'sb.patient_name': 'Jane Smith',
      });
      span.addEvent('address.lookup', { 'patient.address': '123 Main St', 'http.status_code': 200 });
      span.recordException(new Error('Patient "Jane Smith" born 1970-01-01 not found'));
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'Patient "Jane Smith" not found' });
    });

    for (const value of [...PHI, ...SECRETS, '10.1.2.3']) expect(wire).not.toContain(value);

    expect(exported.name).toBe('GET /fhir/Patient');
    expect(exported.attributes).toEqual({
      'http.method': 'GET',
      'http.url': 'https://api.example.org/fhir/Patient',
      'url.full': 'https://[redacted]@ehr.example.org/Patient',
      'http.target': '/fhir/Patient',
      'url.path': '/fhir/Patient',
      'graphql.operation.name': 'FindPatients',
      'db.statement': 'SELECT * FROM patient WHERE family = ? AND tenant_id = $1',
      'sb.tenant_id': 'tenant-1',
      'sb.vendor': 'epic',
    });
    expect(exported.events.map((e) => e.name)).toEqual(['address.lookup', 'exception']);
    expect(exported.events[0]?.attributes).toEqual({ 'http.status_code': 200 });
    const exception = exported.events[1]?.attributes ?? {};
    expect(exception['exception.type']).toBe('Error');
    expect(exception['exception.message']).toBeUndefined();
    expect(String(exception['exception.stacktrace'])).toMatch(/^at /);
    expect(exported.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error' });
  });

  it('keeps only the command of a Redis statement', () => {
    const { exported } = exportOne((span) =>
      span.setAttributes({ 'db.system': 'redis', 'db.statement': 'hset bull:webhooks:1 data {"name":"Smith"}' }),
    );
    expect(exported.attributes['db.statement']).toBe('hset');
  });

  it('redacts link attributes too', () => {
    const span = tracer.startSpan('linked', {
      links: [
        {
          context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
          attributes: { 'patient.name': 'Smith', 'sb.operation': 'read' },
        },
      ],
    });
    span.end();
    expect(memory.getFinishedSpans()[0]?.links[0]?.attributes).toEqual({ 'sb.operation': 'read' });
  });

  it('fails the export rather than sending an unredacted batch', () => {
    const inner = { export: jest.fn(), shutdown: jest.fn(() => Promise.resolve()) };
    const exporter = new RedactingSpanExporter(inner);
    const callback = jest.fn();
    const broken = { spanContext: () => { throw new Error('boom'); } } as never;
    exporter.export([broken], callback);
    expect(inner.export).not.toHaveBeenCalled();
    expect(callback).toHaveBeenCalledWith(expect.objectContaining({ code: 1 }));
  });
});
