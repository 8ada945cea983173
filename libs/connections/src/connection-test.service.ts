import { Injectable } from '@nestjs/common';
import { isSbError, type Actor } from '@sb/core';
import { ConnectionRepository, type Connection } from '@sb/db';
import { checkTarget, guardedFetch, parseOutboundUrl } from '@sb/net';
import { VaultService } from '@sb/vault';
import { randomUUID } from 'node:crypto';
import { isIPv6, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { SignJWT } from 'jose';
import { ConnectionKeysService } from './connection-keys.service';
import { AthenaConnectionTest } from './athena-connection-test';
import { connectionTestHint } from './connection-test-hints';
import {
  asFailure,
  elapsed,
  expiresInSeconds,
  fetchOptions,
  STEP_TIMEOUT_MS,
  StepFailure,
  type RunStep,
  type SkipStep,
  type StepOutcome,
  type TestReport,
  type TestState,
  type TestStep,
} from './connection-test-steps';
import { ConnectionService } from './connection.service';
import type { OutboundPolicy } from './outbound-policy';
import { discoverTokenUrl, type Discovery } from './smart-discovery';

const ASSERTION_LIFETIME_SECONDS = 240;

/** Runs the live check that fits a connection's vendor and records its health. */
@Injectable()
export class ConnectionTestService {
  constructor(
    private readonly connections: ConnectionService,
    private readonly repository: ConnectionRepository,
    private readonly keys: ConnectionKeysService,
    private readonly vault: VaultService,
    private readonly athena: AthenaConnectionTest,
  ) {}

  async run(actor: Actor, tenantId: string, connectionId: string): Promise<TestReport> {
    const connection = await this.connections.get(tenantId, connectionId);
    const outbound = this.connections.outboundPolicy(connection);
    const steps: TestStep[] = [];
    const state: TestState = { tokenUrl: connection.tokenUrl };
    const step: RunStep = async (name: string, work: () => Promise<StepOutcome>): Promise<boolean> => {
      const started = performance.now();
      try {
        const outcome = await work();
        if (typeof outcome === 'string') steps.push({ name, status: 'passed', durationMs: elapsed(started), detail: outcome });
        else steps.push({ name, status: 'warning', durationMs: elapsed(started), detail: outcome.warning, code: outcome.code, hint: connectionTestHint(outcome.code, name) });
        return true;
      } catch (e) {
        const failure = asFailure(e);
        steps.push({ name, status: 'failed', durationMs: elapsed(started), detail: failure.detail, code: failure.code, hint: connectionTestHint(failure.code, name) });
        return false;
      }
    };
    const skip: SkipStep = (name, detail) => steps.push({ name, status: 'skipped', durationMs: 0, detail });

    switch (connection.vendor) {
      case 'echo':
        await step('echo', () => Promise.resolve('the built-in echo connection answers locally'));
        break;
      case 'epic':
      case 'fhir':
      case 'oracle':
        await this.fhirChecks(actor, connection, outbound, state, step, skip);
        break;
      case 'athena':
        await this.athena.run(actor, connection, outbound, state, step, skip);
        break;
      case 'hl7v2':
        await step('mllp-session', () => this.mllpSession(connection, outbound));
        break;
    }

    const ok = steps.every((s) => s.status !== 'failed') && steps.some((s) => s.status === 'passed');
    const testedAt = new Date();
    const firstFailure = steps.find((s) => s.status === 'failed');
    await this.repository.recordHealth(tenantId, connectionId, {
      lastTestedAt: testedAt,
      ...(ok ? { lastSuccessAt: testedAt } : { lastErrorAt: testedAt, lastErrorCode: firstFailure?.code ?? 'test_incomplete' }),
      ...(state.tokenExpiresAt ? { tokenExpiresAt: state.tokenExpiresAt } : {}),
    });
    return { connectionId, vendor: connection.vendor, ok, testedAt, steps };
  }

  private async fhirChecks(
    actor: Actor,
    connection: Connection,
    outbound: OutboundPolicy,
    state: TestState,
    step: RunStep,
    skip: SkipStep,
  ): Promise<void> {
    const base = connection.fhirBaseUrl;
    if (!base) {
      await step('configuration', () => Promise.reject(new StepFailure('no FHIR base URL is set', 'missing_fhir_base_url')));
      return;
    }
    let discovery: Discovery | null = null;
    await step('smart-configuration', async () => {
      const found = await discoverTokenUrl(base, outbound);
      discovery = found;
      state.tokenUrl ??= found.tokenUrl;
      return `token endpoint ${new URL(found.tokenUrl).host}${new URL(found.tokenUrl).pathname}`;
    });
    await this.smartLaunchCheck(connection, discovery, step, skip);
    await step('capability-statement', async () => {
      const res = await guardedFetch(`${base}/metadata`, { headers: { accept: 'application/fhir+json' } }, outbound.policy, fetchOptions(outbound));
      if (res.status !== 200) throw new StepFailure(`GET /metadata answered HTTP ${res.status}`, `http_${res.status}`);
      const body = (await res.json().catch(() => null)) as { resourceType?: string; fhirVersion?: string } | null;
      if (body?.resourceType !== 'CapabilityStatement') throw new StepFailure('GET /metadata did not return a CapabilityStatement', 'not_capability_statement');
      return `CapabilityStatement, FHIR ${body.fhirVersion ?? 'version not stated'}`;
    });
    if (!state.tokenUrl) return skip('access-token', 'no token URL is known (set tokenUrl or serve SMART discovery)');
    if (!connection.clientId) return skip('access-token', 'no client id is set');
    const tokenUrl = state.tokenUrl;
    const clientId = connection.clientId;
    await step('access-token', async () => {
      const form = new URLSearchParams({ grant_type: 'client_credentials' });
      // Oracle system accounts must ask for SMART v1 scopes; one read scope proves the account works.
      const scopes = connection.scopes.length > 0 ? connection.scopes : connection.vendor === 'oracle' ? ['system/Patient.read'] : [];
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      const headers: Record<string, string> = { accept: 'application/json' };
      if (connection.vendor === 'epic' || connection.vendor === 'fhir') {
        const key = await this.keys.activeSigningKey(actor, connection.tenantId, connection.id, 'connection test: client assertion');
        if (!key) throw new StepFailure('no signing key: POST /v1/connections/{id}/keys first', 'missing_signing_key');
        const now = Math.floor(Date.now() / 1000);
        const assertion = await new SignJWT({})
          .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(tokenUrl)
          .setIssuedAt(now)
          .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
          .setJti(randomUUID())
          .sign(key.privateKey);
        form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
        form.set('client_assertion', assertion);
      } else {
        const secretName = connection.clientSecretName ?? 'client_secret';
        const secret = await this.vault
          .reveal({ tenantId: connection.tenantId, connectionId: connection.id, name: secretName, actor, purpose: 'connection test: token request' })
          .catch((e: unknown) => {
            if (isSbError(e) && e.code === 'not_found') throw new StepFailure(`no "${secretName}" secret: PUT /v1/connections/{id}/secrets/${secretName}`, 'missing_client_secret');
            throw e;
          });
        headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret.toString('utf8'))}`).toString('base64')}`;
        secret.fill(0);
      }
      const res = await guardedFetch(tokenUrl, { method: 'POST', headers, body: form }, outbound.policy, fetchOptions(outbound));
      const body = (await res.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | null;
      if (res.status !== 200 || typeof body?.access_token !== 'string') {
        const error = typeof body?.error === 'string' ? body.error.slice(0, 64) : `http_${res.status}`;
        throw new StepFailure(`token request refused (HTTP ${res.status}, ${error})`, error);
      }
      const expiresIn = expiresInSeconds(body.expires_in);
      if (expiresIn) state.tokenExpiresAt = new Date(Date.now() + expiresIn * 1000);
      return `access token issued${expiresIn ? `, expires in ${expiresIn} s` : ''}`;
    });
  }

  /** SMART App Launch: whether the EHR serves the user-facing launch the connection is set up for (the hospital registered the gateway). */
  private async smartLaunchCheck(connection: Connection, discovery: Discovery | null, step: RunStep, skip: SkipStep): Promise<void> {
    if (!connection.smartClientId) return skip('smart-launch', 'no SMART client id is set: apps cannot launch from this EHR');
    if (!discovery) return skip('smart-launch', 'the EHR serves no SMART configuration');
    const found: Discovery = discovery;
    await step('smart-launch', () => {
      if (!found.authorizeUrl) return Promise.reject(new StepFailure('the EHR advertises no authorization_endpoint: it does not serve SMART App Launch', 'no_authorization_endpoint'));
      const where = `${new URL(found.authorizeUrl).host}${new URL(found.authorizeUrl).pathname}`;
      if (!found.pkceMethods.includes('S256')) return Promise.resolve({ warning: `authorize endpoint ${where}, but S256 PKCE is not advertised (the gateway always sends it)`, code: 'pkce_not_advertised' });
      return Promise.resolve(`authorize endpoint ${where}; launch from the EHR with ${this.connections.smartUrls.launch} and register ${this.connections.smartUrls.callback} as the redirect URI`);
    });
  }

  /** Opens and closes a TCP (or TLS) session to the site's MLLP endpoint. */
  private async mllpSession(connection: Connection, outbound: OutboundPolicy): Promise<string> {
    if (!connection.mllpHost || !connection.mllpPort) throw new StepFailure('no MLLP host and port are set (inbound-only sites need none)', 'missing_mllp_endpoint');
    // An IPv6 literal needs its brackets in a URL; the same host syntax rules as every outbound target.
    const parsed = parseOutboundUrl(`https://${isIPv6(connection.mllpHost) ? `[${connection.mllpHost}]` : connection.mllpHost}:${connection.mllpPort}/`, { allowHttp: false });
    if (!parsed.ok) throw new StepFailure('the MLLP host is not an acceptable host name or address', parsed.reason);
    const target = await checkTarget(parsed.url, outbound.policy);
    if (!target.ok) throw new StepFailure(target.reason === 'dns_failed' ? 'the MLLP host does not resolve' : 'the MLLP host is not an allowed target', target.reason);
    const address = target.addresses[0]?.address;
    if (!address) throw new StepFailure('the MLLP host does not resolve', 'dns_failed');
    const port = connection.mllpPort;
    await new Promise<void>((resolve, reject) => {
      const socket = connection.mllpTls
        ? tlsConnect({ host: address, port, servername: connection.mllpHost ?? undefined })
        : tcpConnect({ host: address, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new StepFailure(`no answer within ${STEP_TIMEOUT_MS} ms`, 'timeout'));
      }, STEP_TIMEOUT_MS);
      socket.once(connection.mllpTls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.end();
        resolve();
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new StepFailure(`could not connect (${e.code ?? 'error'})`, 'connect_failed'));
      });
    });
    return `${connection.mllpTls ? 'TLS' : 'TCP'} session to port ${port} opened and closed`;
  }
}
