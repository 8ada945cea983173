import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { redactSpan } from './span-redaction';

/**
 * Wraps the real exporter so that redaction sits at the last step before data
 * leaves the process: every span passes through it whichever instrumentation
 * (or processor) produced it, and spans that instrumentations modify after our
 * code ran are still caught.
 */
export class RedactingSpanExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let redacted: ReadableSpan[];
    try {
      redacted = spans.map(redactSpan);
    } catch (error) {
      // Never fall back to the unredacted batch: losing spans beats leaking PHI.
      resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : undefined });
      return;
    }
    this.inner.export(redacted, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
