import 'reflect-metadata';
import { RequestMethod, type Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { RESOLVER_NAME_METADATA, RESOLVER_TYPE_METADATA } from '@nestjs/graphql';
import { AppModule } from '../app.module';
import { FhirController } from '../fhir/fhir.controller';
import { AdminAuditInterceptor, CLINICAL_MUTATIONS } from './admin-audit.interceptor';

const controllers = Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, AppModule) as Type[];
const providers = Reflect.getMetadata(MODULE_METADATA.PROVIDERS, AppModule) as unknown[];
const audited = (target: Type): boolean => ((Reflect.getMetadata(INTERCEPTORS_METADATA, target) as unknown[] | undefined) ?? []).includes(AdminAuditInterceptor);
const handlersOf = (target: Type): ((...args: unknown[]) => unknown)[] =>
  Object.getOwnPropertyNames(target.prototype)
    .filter((name) => name !== 'constructor')
    .map((name) => Object.getOwnPropertyDescriptor(target.prototype, name)?.value as unknown)
    .filter((value): value is (...args: unknown[]) => unknown => typeof value === 'function');
const pathsOf = (value: unknown): string[] => (Array.isArray(value) ? value : [value ?? '']).map((p: string) => p.replace(/^\/+/, ''));

/** `METHOD path` of each route of a controller that changes something under /v1/ (what the interceptor records). */
function v1WritesOf(controller: Type): string[] {
  const writes: string[] = [];
  for (const prefix of pathsOf(Reflect.getMetadata(PATH_METADATA, controller))) {
    for (const handler of handlersOf(controller)) {
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined || method === RequestMethod.GET || method === RequestMethod.HEAD) continue;
      for (const path of pathsOf(Reflect.getMetadata(PATH_METADATA, handler))) {
        const full = [prefix, path].filter(Boolean).join('/');
        if (full.startsWith('v1/')) writes.push(`${RequestMethod[method]} /${full}`);
      }
    }
  }
  return writes;
}

describe('the admin audit binding', () => {
  it('covers every controller with a route that changes something under /v1/', () => {
    const writers = controllers.filter((c) => v1WritesOf(c).length > 0);
    // The route metadata is read as Nest reads it: controllers known to change things are found.
    expect(writers.map((c) => c.name)).toEqual(expect.arrayContaining(['ConnectionsController', 'UsersController', 'SmartAppsController', 'TenantsController']));
    expect(writers.filter((c) => !audited(c)).map((c) => c.name)).toEqual([]);
  });

  it('covers every resolver with a mutation that is not a clinical write', () => {
    const resolvers = providers.filter((p): p is Type => typeof p === 'function' && handlersOf(p as Type).some((h) => Reflect.getMetadata(RESOLVER_TYPE_METADATA, h) === 'Mutation'));
    const adminMutations = (r: Type) =>
      handlersOf(r).filter((h) => Reflect.getMetadata(RESOLVER_TYPE_METADATA, h) === 'Mutation' && !CLINICAL_MUTATIONS.has((Reflect.getMetadata(RESOLVER_NAME_METADATA, h) as string | undefined) ?? h.name));
    const withAdminMutations = resolvers.filter((r) => adminMutations(r).length > 0);
    expect(withAdminMutations.map((r) => r.name).sort()).toEqual(['ConnectionsResolver', 'WebhookEndpointsResolver']);
    expect(withAdminMutations.filter((r) => !audited(r)).map((r) => r.name)).toEqual([]);
  });

  it('leaves the FHIR facade, which carries the proxied calls, without any interceptor, and binds none globally', () => {
    expect(Reflect.getMetadata(INTERCEPTORS_METADATA, FhirController)).toBeUndefined();
    for (const handler of handlersOf(FhirController)) expect(Reflect.getMetadata(INTERCEPTORS_METADATA, handler)).toBeUndefined();
    expect(providers.filter((p) => (p as { provide?: unknown }).provide === APP_INTERCEPTOR)).toEqual([]);
  });
});
