import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { currentRequestContext } from '@sb/core';
import { randomUUID } from 'node:crypto';

/** Every job payload carries who it is for and where it came from. */
export interface JobEnvelope<T = unknown> {
  tenantId: string | null;
  requestId: string;
  /** W3C traceparent of the enqueuing span, so the job's span joins the same trace. */
  traceparent?: string;
  data: T;
}

/** Wraps job data with the current request id and trace context. */
export function envelope<T>(tenantId: string | null, data: T): JobEnvelope<T> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return {
    tenantId,
    requestId: currentRequestContext()?.requestId ?? randomUUID(),
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    data,
  };
}

/** The trace context a job should run in. */
export const contextOf = (job: Pick<JobEnvelope, 'traceparent'>): Context =>
  job.traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent: job.traceparent }) : ROOT_CONTEXT;
