import { isIPv4, isIPv6 } from 'node:net';

/**
 * What an IP address reaches. Anything but `public` can lead into the gateway's own
 * network (or a cloud provider's control plane) when a tenant supplies the URL.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'documentation'
  | 'reserved';

/**
 * IPv6 prefixes whose last or middle bits carry an IPv4 address that the packet is
 * eventually delivered to, so the embedded address decides.
 */
type Embedding = 'mapped' | 'nat64' | 'compat' | '6to4' | 'teredo';

interface Range {
  bytes: Uint8Array;
  prefixBits: number;
  class?: AddressClass;
  embedding?: Embedding;
}

// First match wins: specific entries (metadata endpoints) precede their enclosing blocks.
const IPV4_RANGES: readonly Range[] = [
  // Cloud instance-metadata services: credentials live there, so they get their own class.
  v4('169.254.169.254/32', 'metadata'), // AWS, GCP, Azure IMDS, OpenStack, Oracle
  v4('169.254.170.2/32', 'metadata'), // AWS ECS task metadata and credentials
  v4('100.100.100.200/32', 'metadata'), // Alibaba Cloud
  v4('168.63.129.16/32', 'metadata'), // Azure WireServer: publicly numbered, platform-internal
  v4('0.0.0.0/8', 'unspecified'), // Linux connects 0.0.0.0 to the local host
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'cgnat'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'), // IETF protocol assignments
  v4('192.0.2.0/24', 'documentation'),
  v4('192.88.99.0/24', 'reserved'), // deprecated 6to4 relay anycast
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'), // benchmarking
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'), // includes the limited broadcast 255.255.255.255
];

const IPV6_RANGES: readonly Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('fd00:ec2::254/128', 'metadata'), // AWS IMDS over IPv6
  v6('::ffff:0:0/96', undefined, 'mapped'),
  v6('::ffff:0:0:0/96', undefined, 'mapped'), // SIIT IPv4-translated
  v6('::/96', undefined, 'compat'), // deprecated IPv4-compatible
  v6('64:ff9b::/96', undefined, 'nat64'),
  // Local-use NAT64: the embedding layout is per deployment, so the IPv4 target is unknowable.
  v6('64:ff9b:1::/48', 'private'),
  v6('100::/64', 'reserved'), // discard-only
  v6('2001::/32', undefined, 'teredo'),
  v6('2001::/23', 'reserved'), // IETF protocol assignments
  v6('2001:db8::/32', 'documentation'),
  v6('2002::/16', undefined, '6to4'),
  v6('3fff::/20', 'documentation'),
  v6('5f00::/16', 'reserved'), // SRv6 SIDs
  v6('fc00::/7', 'private'), // unique local
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'private'), // deprecated site-local, still routed inside some networks
  v6('ff00::/8', 'multicast'),
  v6('2000::/3', 'public'),
  // Outside 2000::/3 nothing is allocated for global unicast.
  v6('::/0', 'reserved'),
];

/**
 * Classifies an IPv4 or IPv6 address (zone ids and URL brackets are accepted), or
 * returns `undefined` when the input is not an IP address at all. Treat `undefined`
 * like any non-public class.
 */
export function classifyAddress(ip: string): AddressClass | undefined {
  const literal = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIPv4(literal)) return classifyV4(parseV4(literal));
  const unscoped = literal.split('%')[0] ?? '';
  if (isIPv6(literal) && isIPv6(unscoped)) return classifyV6(parseV6(unscoped));
  return undefined;
}

function classifyV4(bytes: Uint8Array): AddressClass {
  return match(IPV4_RANGES, bytes)?.class ?? 'public';
}

function classifyV6(bytes: Uint8Array): AddressClass {
  const range = match(IPV6_RANGES, bytes);
  if (range?.embedding === undefined) return range?.class ?? 'reserved';
  switch (range.embedding) {
    case 'mapped':
    case 'nat64':
      return classifyV4(bytes.subarray(12, 16));
    case 'compat':
      return nonPublicOr(classifyV4(bytes.subarray(12, 16)), 'reserved');
    case '6to4':
      return nonPublicOr(classifyV4(bytes.subarray(2, 6)), 'public');
    case 'teredo': {
      // The client address is stored inverted so NATs do not rewrite it.
      const client = bytes.subarray(12, 16).map((b) => b ^ 0xff);
      const server = classifyV4(bytes.subarray(4, 8));
      return nonPublicOr(server, nonPublicOr(classifyV4(client), 'public'));
    }
  }
}

function nonPublicOr(embedded: AddressClass, fallback: AddressClass): AddressClass {
  return embedded === 'public' ? fallback : embedded;
}

function match(ranges: readonly Range[], bytes: Uint8Array): Range | undefined {
  return ranges.find((range) => inPrefix(bytes, range.bytes, range.prefixBits));
}

function inPrefix(bytes: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== prefix[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[whole] ?? 0) & mask) === ((prefix[whole] ?? 0) & mask);
}

/** Expects a string `isIPv4` accepted: strict dotted decimal. */
function parseV4(ip: string): Uint8Array {
  return Uint8Array.from(ip.split('.'), Number);
}

/** Expects a string `isIPv6` accepted, without zone id. */
function parseV6(ip: string): Uint8Array {
  const groups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [parseInt(group, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = parseV4(group);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const [head = '', tail] = ip.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

function v4(cidr: string, cls: AddressClass): Range {
  const [ip = '', bits = ''] = cidr.split('/');
  return { bytes: parseV4(ip), prefixBits: Number(bits), class: cls };
}

function v6(cidr: string, cls: AddressClass | undefined, embedding?: Embedding): Range {
  const [ip = '', bits = ''] = cidr.split('/');
  return { bytes: parseV6(ip), prefixBits: Number(bits), class: cls, embedding };
}
