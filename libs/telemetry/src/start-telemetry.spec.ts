import { context, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createLogger } from './logger';
import { startTelemetry, type TelemetryHandle } from './start-telemetry';
import { captureLogLines } from './test-log-capture';

/** InMemorySpanExporter forgets its spans on shutdown; these are read after it. */
class KeepingExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

// Jest's module registry bypasses the require hooks instrumentations use, so the
// instrumented libraries are exercised in a child process: start-telemetry.int-spec.ts.
describe('startTelemetry', () => {
  const exporter = new KeepingExporter();
  let telemetry: TelemetryHandle;
  let exported: ReadableSpan[];
  const capture = captureLogLines();
  let loggedTraceId: unknown;
  let spanTraceId: string;

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'telemetry-spec', exporter });
    const logger = createLogger({ serviceName: 'telemetry-spec', level: 'info', destination: capture.destination });

    await trace.getTracer('spec').startActiveSpan('fhir.search', async (span) => {
      span.setAttributes({ 'http.url': 'https://ehr.example.org/Patient?family=Smith', 'patient.name': 'Smith' });
      spanTraceId = span.spanContext().traceId;
      await Promise.resolve();
      logger.info('inside a span');
      span.end();
    });
    loggedTraceId = capture.lines()[0]?.trace_id;

    await telemetry.shutdown();
    exported = exporter.getFinishedSpans();
  });

  it('puts the active trace and span ids on log lines', () => {
    expect(loggedTraceId).toBe(spanTraceId);
    expect(capture.lines()[0]?.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('exports spans through the redactor', () => {
    const manual = exported.find((s) => s.name === 'fhir.search');
    expect(manual?.attributes).toEqual({ 'http.url': 'https://ehr.example.org/Patient' });
  });

  it('can be started again after shutdown, and refuses a second concurrent start', async () => {
    const again = startTelemetry({ serviceName: 'telemetry-spec' });
    expect(() => startTelemetry({ serviceName: 'telemetry-spec' })).toThrow(/already started/);
    await again.shutdown();
  });

  it('samples new traces at the configured ratio and follows a sampled parent; unsampled spans still give log lines a trace id', async () => {
    const sampledExporter = new KeepingExporter();
    const handle = startTelemetry({ serviceName: 'telemetry-spec', exporter: sampledExporter, sampleRatio: 0 });
    const logger = createLogger({ serviceName: 'telemetry-spec', level: 'info', destination: capture.destination });
    const tracer = trace.getTracer('spec');
    const root = tracer.startSpan('root');
    context.with(trace.setSpan(context.active(), root), () => logger.info('unsampled'));
    root.end();
    const parent = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED, isRemote: true });
    tracer.startSpan('child of a sampled caller', {}, trace.setSpan(context.active(), parent)).end();
    await handle.shutdown();
    expect(root.isRecording()).toBe(false);
    expect(capture.lines().find((l) => l.msg === 'unsampled')?.trace_id).toBe(root.spanContext().traceId);
    expect(sampledExporter.getFinishedSpans().map((s) => s.name)).toEqual(['child of a sampled caller']);
  });
});
