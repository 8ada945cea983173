import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, SbError, type Actor } from '@sb/core';
import type { Connection } from '@sb/db';
import { guardedFetch } from '@sb/net';
import { VaultService } from '@sb/vault';
import { z } from 'zod';
import { ConnectionKeysService } from './connection-keys.service';
import { ConnectionTestService, type TestReport } from './connection-test.service';
import { ConnectionService } from './connection.service';
import type { CreateConnectionInput } from './connection.schemas';

const registration = z.object({
  clientId: z.string().min(1),
  fhirBaseUrl: z.string().min(1),
  tokenUrl: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
});

const SANDBOX_VENDORS = ['epic', 'oracle'] as const;
type SandboxVendor = (typeof SANDBOX_VENDORS)[number];

export interface CreatedConnection {
  connection: Connection;
  /** The live check run while wiring a sandbox connection, when one was run. */
  provisioning?: TestReport;
}

/**
 * The one-click start: a sandbox Epic or Oracle connection created without
 * endpoints wires itself to the built-in simulator — client registered there,
 * key generated and vaulted (Epic) or client secret vaulted (Oracle), a live test
 * run — and goes live when the test passes.
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
    return input.environment === 'sandbox' && (SANDBOX_VENDORS as readonly string[]).includes(input.vendor) && !('fhirBaseUrl' in input && input.fhirBaseUrl);
  }

  async create(actor: Actor, tenantId: string, input: CreateConnectionInput): Promise<CreatedConnection> {
    if (!SandboxProvisioner.wantsProvisioning(input)) return { connection: await this.connections.create(tenantId, input) };
    const vendor = input.vendor as SandboxVendor;
    const draft = await this.connections.create(tenantId, input);
    const connectionId = draft.id;
    if (vendor === 'epic') {
      await this.keys.create(actor, tenantId, connectionId, { alg: draft.authAlg === 'ES384' ? 'ES384' : 'RS384' });
      const reg = await this.register({ vendor, clientId: `switchboard-${connectionId}`, jwksUrl: this.keys.jwksUrl(connectionId) });
      await this.connections.update(tenantId, connectionId, { fhirBaseUrl: reg.fhirBaseUrl, tokenUrl: reg.tokenUrl, clientId: reg.clientId });
    } else {
      const reg = await this.register({ vendor });
      if (!reg.clientSecret) throw sandboxUnavailable();
      const secret = Buffer.from(reg.clientSecret, 'utf8');
      await this.vault.put(actor, { tenantId, connectionId, name: draft.clientSecretName ?? 'client_secret' }, secret);
      secret.fill(0);
      await this.connections.update(tenantId, connectionId, { fhirBaseUrl: reg.fhirBaseUrl, tokenUrl: reg.tokenUrl, clientId: reg.clientId });
    }
    await this.connections.setStatus(tenantId, connectionId, 'testing');
    const report = await this.tests.run(actor, tenantId, connectionId);
    if (report.ok) await this.connections.setStatus(tenantId, connectionId, 'live');
    else this.logger.warn({ connectionId, failedStep: report.steps.find((s) => s.status === 'failed')?.name }, 'sandbox connection did not pass its first test');
    return { connection: await this.connections.get(tenantId, connectionId), provisioning: report };
  }

  private async register(body: Record<string, string>): Promise<z.infer<typeof registration>> {
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
    const parsed = registration.safeParse(await res.json().catch(() => null));
    if (res.status !== 201 || !parsed.success) throw sandboxUnavailable();
    return parsed.data;
  }
}

const sandboxUnavailable = (cause?: unknown): SbError =>
  new SbError(ErrorCode.DependencyUnavailable, 'The sandbox EHRs are not reachable (is the sandbox app running?)', { cause, details: { reason: 'sandbox_unavailable' } });
