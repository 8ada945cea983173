import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Ambient context for logs and telemetry only (request id, actor kind, tenant id
 * for log correlation). Never consulted for authorization: tenant ids are passed
 * explicitly to every repository and service.
 */
export interface RequestContext {
  requestId: string;
  tenantId?: string;
  actorType?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const runWithRequestContext = <T>(ctx: RequestContext, fn: () => T): T => storage.run(ctx, fn);

export const currentRequestContext = (): RequestContext | undefined => storage.getStore();
