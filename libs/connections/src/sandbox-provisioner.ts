import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, SbError, type Actor } from '@sb/core';
import type { Connection } from '@sb/db';
import { guardedFetch } from '@sb/net';
import { VaultService } from '@sb/vault';
import { z } from 'zod';
import { ConnectionKeysService } from './connection-keys.service';
import { ConnectionTestService } from './connection-test.service';
import type { TestReport } from './connection-test-steps';
import { ConnectionService } from './connection.service';
import { athenaWantsProvisioning, type CreateConnectionInput } from './connection.schemas';

const registration = z.object({
  clientId: z.string().min(1),
  fhirBaseUrl: z.string().min(1),
  tokenUrl: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  /** The simulator's Bulk Data groups (all its patients). */
  bulkGroupIds: z.array(z.string().min(1)).default([]),
});

/** The athena simulator's answer (apps/sandbox: `POST /_sandbox/clients {vendor: "athena"}`). */
const athenaRegistration = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  athenaBaseUrl: z.string().min(1),
  tokenUrl: z.string().min(1),
  practiceId: z.string().regex(/^\d{1,12}$/),
});

const SANDBOX_VENDORS = ['epic', 'oracle'] as const;

export interface CreatedConnection {
  connection: Connection;
  /** The live check run while wiring a sandbox connection, when one was run. */
  provisioning?: TestReport;
}

/**
 * The one-click start: a sandbox Epic, Oracle or athena connection created without
 * endpoints wires itself to the built-in simulator — client registered there,
 * key generated and vaulted (Epic) or client secret vaulted (Oracle, athena; athena
 * also gets the simulator's practice), a live test run — and goes live when the
 * test passes.
 */
@Injectable()
export class SandboxProvisioner {
  private readonly logger = new Logger(SandboxProvisioner.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connections: ConnectionService,
    private readonly keys: ConnectionKeysService,
    private readonly tests: ConnectionTestService,
    private readonly vault: VaultService,
  ) {}

  static wantsProvisioning(input: CreateConnectionInput): boolean {
    if (input.vendor === 'athena') return athenaWantsProvisioning(input);
    return input.environment === 'sandbox' && (SANDBOX_VENDORS as readonly string[]).includes(input.vendor) && !('fhirBaseUrl' in input && input.fhirBaseUrl);
  }

  async create(actor: Actor, tenantId: string, input: CreateConnectionInput): Promise<CreatedConnection> {
    if (!SandboxProvisioner.wantsProvisioning(input)) return { connection: await this.connections.create(tenantId, input) };
    const vendor = input.vendor;
    const draft = await this.connections.create(tenantId, input);
    const connectionId = draft.id;
    if (vendor === 'athena') {
      // The simulator grants its default practice; a practice id given is kept, so the test shows what athena answers for it.
      const reg = athenaRegistration.safeParse(await this.register({ vendor }));
      if (!reg.success) throw sandboxUnavailable();
      await this.storeSecret(actor, tenantId, connectionId, draft.clientSecretName ?? 'client_secret', reg.data.clientSecret);
      const { athenaBaseUrl, tokenUrl, clientId, practiceId } = reg.data;
      await this.connections.update(tenantId, connectionId, { athenaBaseUrl, tokenUrl, clientId, athenaPracticeId: input.athenaPracticeId ?? practiceId, smartClientId: clientId });
    } else if (vendor === 'epic') {
      await this.keys.create(actor, tenantId, connectionId, { alg: draft.authAlg === 'ES384' ? 'ES384' : 'RS384' });
      const reg = registration.safeParse(await this.register({ vendor, clientId: `switchboard-${connectionId}`, jwksUrl: this.keys.jwksUrl(connectionId) }));
      if (!reg.success) throw sandboxUnavailable();
      const { fhirBaseUrl, tokenUrl, clientId, bulkGroupIds } = reg.data;
      await this.connections.update(tenantId, connectionId, { fhirBaseUrl, tokenUrl, clientId, bulkGroupIds, smartClientId: clientId });
    } else {
      const reg = registration.safeParse(await this.register({ vendor }));
      if (!reg.success || !reg.data.clientSecret) throw sandboxUnavailable();
      await this.storeSecret(actor, tenantId, connectionId, draft.clientSecretName ?? 'client_secret', reg.data.clientSecret);
      const { fhirBaseUrl, tokenUrl, clientId, bulkGroupIds } = reg.data;
      await this.connections.update(tenantId, connectionId, { fhirBaseUrl, tokenUrl, clientId, bulkGroupIds, smartClientId: clientId });
    }
    await this.connections.setStatus(tenantId, connectionId, 'testing');
    const report = await this.tests.run(actor, tenantId, connectionId);
    if (report.ok) await this.connections.setStatus(tenantId, connectionId, 'live');
    else this.logger.warn({ connectionId, failedStep: report.steps.find((s) => s.status === 'failed')?.name }, 'sandbox connection did not pass its first test');
    return { connection: await this.connections.get(tenantId, connectionId), provisioning: report };
  }

  private async storeSecret(actor: Actor, tenantId: string, connectionId: string, name: string, value: string): Promise<void> {
    const secret = Buffer.from(value, 'utf8');
    try {
      await this.vault.put(actor, { tenantId, connectionId, name }, secret);
    } finally {
      secret.fill(0);
    }
  }

  /** The simulator's registration answer (checked by the caller for its vendor's shape). */
  private async register(body: Record<string, unknown>): Promise<unknown> {
    const base = this.config.sandboxUrl;
    let res: Response;
    try {
      res = await guardedFetch(
        `${base}/_sandbox/clients`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
        { allowPrivate: true, allowLoopback: true },
        { allowHttp: true, timeoutMs: 10_000 },
      );
    } catch (e) {
      throw sandboxUnavailable(e);
    }
    const answer: unknown = await res.json().catch(() => null);
    if (res.status !== 201) throw sandboxUnavailable();
    return answer;
  }
}

const sandboxUnavailable = (cause?: unknown): SbError =>
  new SbError(ErrorCode.DependencyUnavailable, 'The sandbox EHRs are not reachable (is the sandbox app running?)', { cause, details: { reason: 'sandbox_unavailable' } });
