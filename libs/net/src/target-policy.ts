import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { classifyAddress, type AddressClass } from './address-policy';

/**
 * Which non-public destinations an outbound call may reach. The two flags are
 * independent; configuration decides how they map to deployment modes (production:
 * both false; sandbox: loopback; `SB_ALLOW_PRIVATE_TARGETS=true`: both true).
 */
export interface TargetPolicy {
  /** Private, link-local and CGNAT ranges (RFC 1918, fc00::/7, 169.254/16, 100.64/10). */
  allowPrivate: boolean;
  /** 127/8 and ::1. */
  allowLoopback: boolean;
}

/** Production: public addresses only. */
export const PUBLIC_ONLY_TARGETS: TargetPolicy = Object.freeze({ allowPrivate: false, allowLoopback: false });
/** Local development and the demo: everything but metadata and unroutable addresses. */
export const LOCAL_DEVELOPMENT_TARGETS: TargetPolicy = Object.freeze({ allowPrivate: true, allowLoopback: true });

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address a connection might use. Injectable for tests. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export interface VettedAddress {
  address: string;
  family: 4 | 6;
  addressClass: AddressClass;
}

export type TargetCheckResult =
  | { ok: true; addresses: readonly VettedAddress[] }
  | { ok: false; reason: 'target_not_allowed'; addressClass?: AddressClass }
  | { ok: false; reason: 'dns_failed'; cause?: unknown };

/**
 * Metadata endpoints are refused even when private targets are allowed: they hand
 * out the gateway's own cloud credentials and no EHR, token or JWKS endpoint lives
 * there. Multicast, documentation, reserved and unspecified addresses (0.0.0.0
 * reaches the local host on Linux) are never legitimate targets either.
 */
export function isAddressAllowed(addressClass: AddressClass | undefined, policy: TargetPolicy): boolean {
  switch (addressClass) {
    case 'public':
      return true;
    case 'loopback':
      return policy.allowLoopback;
    case 'private':
    case 'link-local':
    case 'cgnat':
      return policy.allowPrivate;
    case 'metadata':
    case 'unspecified':
    case 'multicast':
    case 'documentation':
    case 'reserved':
    case undefined:
      return false;
  }
}

/**
 * Resolves the URL's host and vets every address it resolves to: one refused address
 * refuses the target, because the connection may use any of them. The returned
 * addresses are the only ones a connection may then use (see `guardedFetch`).
 */
export async function checkTarget(
  url: URL,
  policy: TargetPolicy,
  resolver: Resolver = systemResolver,
): Promise<TargetCheckResult> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let resolved: readonly ResolvedAddress[];
  if (isIP(host) !== 0) {
    resolved = [{ address: host, family: isIP(host) }];
  } else {
    try {
      resolved = await resolver(host);
    } catch (cause) {
      return { ok: false, reason: 'dns_failed', cause };
    }
  }
  if (resolved.length === 0) return { ok: false, reason: 'dns_failed' };

  const addresses: VettedAddress[] = [];
  for (const { address } of resolved) {
    const addressClass = classifyAddress(address);
    if (!isAddressAllowed(addressClass, policy)) return { ok: false, reason: 'target_not_allowed', addressClass };
    // A resolver's `family` is not trusted: 0 and mismatches occur with odd NSS modules.
    const family = isIP(address) === 4 ? 4 : 6;
    addresses.push({ address, family, addressClass: addressClass ?? 'reserved' });
  }
  return { ok: true, addresses };
}
