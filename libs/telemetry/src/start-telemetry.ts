import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { defaultResource, detectResources, hostDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { DiscardingSpanProcessor } from './discarding-span-processor';
import { RedactingSpanExporter } from './redacting-span-exporter';

export interface StartTelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP base endpoint (`http://collector:4318`); spans are exported only when set. */
  otlpEndpoint?: string;
  /** Exports spans here instead of OTLP (tests). Redaction applies all the same. */
  exporter?: SpanExporter;
  /** Share of new traces recorded (0–1, default 1); a sampled parent is always followed. */
  sampleRatio?: number;
}

export interface TelemetryHandle {
  /** Flushes pending spans, then unregisters the global tracer, propagator and context manager. */
  shutdown(): Promise<void>;
}

/**
 * Only what tells the story of a transaction, each span created once: GraphQL operations, each SQL statement and
 * Redis command within a traced request or job. The HTTP server span (named by its route) is the api's request
 * middleware's (request-telemetry.middleware.ts) and each outgoing call's client span is made by its sender
 * (libs/net's client-span.ts: guardedFetch for EHRs, tokens and JWKS, guardedDownload, the webhook poster): made there, they
 * cost a fraction of the http instrumentation, which patches every server, request and emitter. Not: express middleware layers, pool checkouts, Prisma's own spans (the
 * statements it sends are the pg spans), fs/dns/net, and no spans for the background polls that run outside any trace.
 */
function instrumentations() {
  return [
    // An operation's span, not a span per resolved field: the vendor calls it makes are sb.transaction spans already.
    new GraphQLInstrumentation({ allowValues: false, mergeItems: true, ignoreResolveSpans: true }),
    new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true, ignoreConnectSpans: true }),
    // Redis arguments include BullMQ job payloads; the command name is enough.
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
  ];
}

function traceExporter(options: StartTelemetryOptions): SpanExporter | undefined {
  if (options.exporter) return options.exporter;
  if (!options.otlpEndpoint) return undefined;
  return new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` });
}

let running: TelemetryHandle | undefined;

/**
 * Starts OpenTelemetry for this process. It must run before Nest, express, pg,
 * ioredis or graphql are first required, because instrumentations patch modules
 * as they load. Each app therefore has a tiny entry imported first by main.ts:
 *
 * ```ts
 * // apps/api/src/instrument.ts — reads config, then starts telemetry (start-or-exit.ts)
 * import { startTelemetryOrExit } from '@sb/telemetry';
 * export const telemetry = startTelemetryOrExit('switchboard-api');
 *
 * // apps/api/src/main.ts
 * import { telemetry } from './instrument'; // first import, before '@nestjs/core'
 * ```
 *
 * The SDK always runs so that log lines carry trace ids; spans leave the process
 * only when an endpoint (or exporter) is given, and always through the redactor.
 * Importing `@sb/telemetry` itself loads none of the instrumented libraries.
 */
export function startTelemetry(options: StartTelemetryOptions): TelemetryHandle {
  if (running) throw new Error('Telemetry is already started in this process');
  const exporter = traceExporter(options);
  const patches = instrumentations();
  // The tracer provider, its processors and the instrumentations, without the Node SDK's metric and log
  // pipelines: those were never used and cost every process ~11 MB of RSS. OTEL_* variables are not consulted.
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(detectResources({ detectors: [hostDetector] })).merge(resourceFromAttributes({ 'service.name': options.serviceName })),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
    spanProcessors: [exporter ? new BatchSpanProcessor(new RedactingSpanExporter(exporter)) : new DiscardingSpanProcessor()],
  });
  // W3C trace-context only: baggage is arbitrary caller-supplied data that we
  // would otherwise forward to every hospital we call.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const unregister = registerInstrumentations({ instrumentations: patches, tracerProvider: provider });

  const handle: TelemetryHandle = {
    async shutdown() {
      try {
        await provider.shutdown();
      } finally {
        // Modules stay patched and globals registered after the provider's shutdown.
        unregister();
        for (const patch of patches) patch.disable();
        trace.disable();
        propagation.disable();
        context.disable();
        running = undefined;
      }
    },
  };
  running = handle;
  return handle;
}
