import { Injectable } from '@nestjs/common';
import { ATHENA_SCOPE, athenaEndpoints } from '@sb/adapters/athena';
import { isSbError, type Actor } from '@sb/core';
import type { Connection } from '@sb/db';
import { guardedFetch } from '@sb/net';
import { VaultService } from '@sb/vault';
import { expiresInSeconds, fetchOptions, StepFailure, type RunStep, type SkipStep, type StepOutcome, type TestState } from './connection-test-steps';
import type { OutboundPolicy } from './outbound-policy';

interface AthenaTarget {
  baseUrl: string;
  practiceId: string;
  token: string;
  outbound: OutboundPolicy;
}

/**
 * The athenaOne connection test: a client-credentials token at the token URL, a call
 * under the practice (Invalid practice vs Incorrect permissions told apart), the
 * department list against the configured departments, and the appointments change
 * feed's subscription (not yet active is a warning: the change poller subscribes).
 * It makes its own calls rather than the adapter's (whose runtime depends on this
 * library): each answer's status is what the step reports, and nothing is retried.
 */
@Injectable()
export class AthenaConnectionTest {
  constructor(private readonly vault: VaultService) {}

  async run(actor: Actor, connection: Connection, outbound: OutboundPolicy, state: TestState, step: RunStep, skip: SkipStep): Promise<void> {
    const { baseUrl, tokenUrl, practiceId } = athenaEndpoints(connection);
    const clientId = connection.clientId;
    if (!practiceId || !clientId) {
      await step('configuration', () =>
        Promise.reject(practiceId ? new StepFailure('no client id is set', 'missing_client_id') : new StepFailure('no athena practice id is set', 'missing_practice_id')),
      );
      return;
    }
    state.tokenUrl = tokenUrl;
    let token: string | null = null;
    await step('token', async () => {
      const issued = await this.requestToken(actor, connection, clientId, tokenUrl, outbound);
      token = issued.token;
      if (issued.expiresInSeconds) state.tokenExpiresAt = new Date(Date.now() + issued.expiresInSeconds * 1000);
      return `access token issued${issued.expiresInSeconds ? `, expires in ${issued.expiresInSeconds} s` : ''}`;
    });
    const later = ['practice-access', 'departments', 'change-feed'];
    if (!token) return later.forEach((name) => skip(name, 'needs an access token'));
    const target: AthenaTarget = { baseUrl, practiceId, token, outbound };

    if (!(await step('practice-access', () => practiceAccess(target)))) return later.slice(1).forEach((name) => skip(name, `needs access to practice ${practiceId}`));
    await step('departments', () => departments(target, connection.athenaDepartmentIds));
    await step('change-feed', () => changeFeed(target));
  }

  private async requestToken(actor: Actor, connection: Connection, clientId: string, tokenUrl: string, outbound: OutboundPolicy): Promise<{ token: string; expiresInSeconds: number | null }> {
    const secretName = connection.clientSecretName ?? 'client_secret';
    const secret = await this.vault
      .reveal({ tenantId: connection.tenantId, connectionId: connection.id, name: secretName, actor, purpose: 'connection test: token request' })
      .catch((e: unknown) => {
        if (isSbError(e) && e.code === 'not_found') throw new StepFailure(`no "${secretName}" secret: PUT /v1/connections/{id}/secrets/${secretName}`, 'missing_client_secret');
        throw e;
      });
    const basic = Buffer.from(`${clientId}:${secret.toString('utf8')}`).toString('base64');
    secret.fill(0);
    const res = await guardedFetch(
      tokenUrl,
      {
        method: 'POST',
        headers: { accept: 'application/json', authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: ATHENA_SCOPE }),
      },
      outbound.policy,
      fetchOptions(outbound),
    );
    const body = (await jsonOf(res)) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | null;
    if (res.status !== 200 || typeof body?.access_token !== 'string') {
      const error = typeof body?.error === 'string' && /^[a-z_]{1,64}$/.test(body.error) ? body.error : `http_${res.status}`;
      throw new StepFailure(`token request refused (HTTP ${res.status}, ${error})`, error);
    }
    return { token: body.access_token, expiresInSeconds: expiresInSeconds(body.expires_in) };
  }
}

/** GET /v1/{practiceid}/ping: athena answers 404 "Invalid practice." for an unknown practice, 401 "Incorrect permissions." for one not granted to the app. */
async function practiceAccess(target: AthenaTarget): Promise<StepOutcome> {
  const res = await get(target, '/ping');
  if (res.status === 404) throw new StepFailure(`practice ${target.practiceId} does not exist (HTTP 404, Invalid practice)`, 'practice_not_found');
  if (res.status === 401) throw new StepFailure(`the app is not granted practice ${target.practiceId} (HTTP 401, Incorrect permissions)`, 'practice_not_permitted');
  if (res.status !== 200) throw new StepFailure(`GET /v1/${target.practiceId}/ping answered HTTP ${res.status}`, `http_${res.status}`);
  await res.body?.cancel();
  return `practice ${target.practiceId} answers`;
}

/** The practice's departments, and whether every configured one is among them. */
async function departments(target: AthenaTarget, configured: readonly string[]): Promise<StepOutcome> {
  const res = await get(target, '/departments?showalldepartments=false&limit=5000');
  if (res.status !== 200) throw new StepFailure(`GET /v1/${target.practiceId}/departments answered HTTP ${res.status}`, `http_${res.status}`);
  const body = (await jsonOf(res)) as { departments?: unknown } | null;
  if (!Array.isArray(body?.departments)) throw new StepFailure('the department list is not in the shape athena uses', 'malformed_response');
  const ids = new Set(body.departments.map((d: unknown) => String((d as { departmentid?: unknown } | null)?.departmentid ?? '')));
  const missing = configured.filter((id) => !ids.has(id));
  if (missing.length > 0) throw new StepFailure(`configured department${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found among the practice's ${ids.size}`, 'unknown_department');
  const scope = configured.length > 0 ? `; the ${configured.length} configured found` : '; all are served (none configured)';
  return `${ids.size} department${ids.size === 1 ? '' : 's'}${scope}`;
}

/**
 * The appointments change feed's subscription. athena answers the feed 403 "Changed
 * messages require setup" until a subscription is made and for minutes after it, so
 * an active subscription is confirmed with a non-consuming read (leaveunprocessed).
 */
async function changeFeed(target: AthenaTarget): Promise<StepOutcome> {
  const res = await get(target, '/appointments/changed/subscription');
  if (res.status !== 200) throw new StepFailure(`GET /v1/${target.practiceId}/appointments/changed/subscription answered HTTP ${res.status}`, `http_${res.status}`);
  const body = (await jsonOf(res)) as { status?: unknown } | null;
  const status = typeof body?.status === 'string' ? body.status.toUpperCase() : '';
  if (status === 'INACTIVE') return { warning: 'the appointments change feed is not subscribed yet', code: 'change_feed_not_subscribed' };
  if (status === 'PARTIAL') return { warning: 'the appointments change feed is subscribed for some events only', code: 'change_feed_partial' };
  if (status !== 'ACTIVE') throw new StepFailure('the subscription status is not in the shape athena uses', 'malformed_response');
  const probe = await get(target, '/appointments/changed?leaveunprocessed=true&limit=1');
  if (probe.status === 403) {
    await probe.body?.cancel();
    return { warning: 'the appointments change feed is subscribed, but athena has not activated it yet', code: 'change_feed_pending' };
  }
  if (probe.status !== 200) throw new StepFailure(`GET /v1/${target.practiceId}/appointments/changed answered HTTP ${probe.status}`, `http_${probe.status}`);
  await probe.body?.cancel();
  return 'the appointments change feed is active';
}

function get(target: AthenaTarget, path: string): Promise<Response> {
  return guardedFetch(
    `${target.baseUrl}/v1/${target.practiceId}${path}`,
    { headers: { accept: 'application/json', authorization: `Bearer ${target.token}` } },
    target.outbound.policy,
    fetchOptions(target.outbound),
  );
}

/** athena bodies may start with blank lines; anything unparseable is null. */
async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => '');
  try {
    return JSON.parse(text.trim()) as unknown;
  } catch {
    return null;
  }
}
