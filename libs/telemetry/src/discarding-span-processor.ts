import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Used when no exporter is configured. The SDK only installs a tracer provider
 * when it has at least one span processor, and without a provider spans are
 * non-recording with all-zero ids — log lines would then carry no trace id.
 */
export class DiscardingSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
