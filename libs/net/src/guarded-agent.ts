import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import { pinnedLookup } from './guarded-fetch';
import { checkTarget, systemResolver, type Resolver, type TargetPolicy } from './target-policy';

/** Error code a refused lookup carries, so transport errors can name the cause. */
export const TARGET_REFUSED_CODE = 'SB_TARGET_NOT_ALLOWED';

/**
 * A lookup that vets every address at connect time: each new socket resolves the
 * host again and connects only to addresses the policy allows, so a pooled agent
 * keeps the DNS-rebinding guarantee of `guardedFetch` while reusing connections.
 * (Node skips lookup for IP-literal hosts: `guardedFetch` vets those itself.)
 */
export function guardedLookup(policy: TargetPolicy, resolver: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const host = hostname.includes(':') ? `[${hostname}]` : hostname;
    checkTarget(new URL(`http://${host}`), policy, resolver).then(
      (result) => {
        if (!result.ok) {
          const code = result.reason === 'dns_failed' ? 'ENOTFOUND' : TARGET_REFUSED_CODE;
          callback(Object.assign(new Error('Outbound target refused'), { code }), []);
          return;
        }
        pinnedLookup(result.addresses)(hostname, options, callback);
      },
      (error: unknown) => callback(Object.assign(new Error('Outbound lookup failed'), { code: 'ENOTFOUND', cause: error }), []),
    );
  };
}

export interface GuardedAgentOptions {
  maxSockets?: number;
  keepAliveMs?: number;
  resolver?: Resolver;
}

/** A keep-alive agent for one connection's vendor host, vetting each socket it opens. */
export function createGuardedAgent(protocol: 'http:' | 'https:', policy: TargetPolicy, options: GuardedAgentOptions = {}): HttpAgent {
  const settings = {
    keepAlive: true,
    keepAliveMsecs: options.keepAliveMs ?? 15_000,
    maxSockets: options.maxSockets ?? 64,
    lookup: guardedLookup(policy, options.resolver),
  };
  return protocol === 'https:' ? new HttpsAgent(settings) : new HttpAgent(settings);
}
