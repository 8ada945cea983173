import { context, propagation, trace } from '@opentelemetry/api';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { core, NodeSDK, resources } from '@opentelemetry/sdk-node';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { DiscardingSpanProcessor } from './discarding-span-processor';
import { RedactingSpanExporter } from './redacting-span-exporter';

export interface StartTelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP base endpoint (`http://collector:4318`); spans are exported only when set. */
  otlpEndpoint?: string;
  /** Exports spans here instead of OTLP (tests). Redaction applies all the same. */
  exporter?: SpanExporter;
}

export interface TelemetryHandle {
  /** Flushes pending spans, then unregisters the global tracer, propagator and context manager. */
  shutdown(): Promise<void>;
}

function instrumentations() {
  return [
    getNodeAutoInstrumentations({
      // A span per file read, DNS lookup and socket drowns the useful ones.
      '@opentelemetry/instrumentation-fs': { enabled: false },
      '@opentelemetry/instrumentation-dns': { enabled: false },
      '@opentelemetry/instrumentation-net': { enabled: false },
      // Our logger adds trace ids itself; this one would also forward log records
      // to the OTel logs pipeline, around our log redaction.
      '@opentelemetry/instrumentation-pino': { enabled: false },
      '@opentelemetry/instrumentation-graphql': {
        allowValues: false,
        mergeItems: true,
        ignoreTrivialResolveSpans: true,
      },
      '@opentelemetry/instrumentation-pg': { enhancedDatabaseReporting: false },
      // Redis arguments include BullMQ job payloads; the command name is enough.
      '@opentelemetry/instrumentation-ioredis': { dbStatementSerializer: (command) => command },
    }),
    new PrismaInstrumentation(),
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
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    // OTEL_* environment variables are not consulted: config is read in one place.
    resourceDetectors: [resources.hostDetector],
    instrumentations: patches,
    // W3C trace-context only: baggage is arbitrary caller-supplied data that we
    // would otherwise forward to every hospital we call.
    textMapPropagator: new core.W3CTraceContextPropagator(),
    ...(exporter
      ? { traceExporter: new RedactingSpanExporter(exporter) }
      : { spanProcessors: [new DiscardingSpanProcessor()] }),
    // Without these the SDK defaults to OTLP metric and log exporters on localhost.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();

  const handle: TelemetryHandle = {
    async shutdown() {
      try {
        await sdk.shutdown();
      } finally {
        // The SDK leaves modules patched and globals registered after shutdown.
        for (const patch of patches.flat()) patch.disable();
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
