import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';

// Addresses a live merchant's URL must not make Tijara call: loopback, private networks, link-local
// (cloud metadata services live at 169.254.169.254), carrier-grade NAT, and the unspecified and
// documentation ranges. A merchant choosing where Tijara posts must not reach Tijara's own network.
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  internal.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

/** Whether ip (v4 or v6, v4-mapped v6 included) is an address on the public internet. */
export function isPublicAddress(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped) return isPublicAddress(mapped);
  const family = isIP(ip);
  if (family === 0) return false;
  return !internal.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** A URL's host as the resolver wants it: an IPv6 literal without its brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** A host name that names this machine whatever the resolver says. */
export function isLocalHostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;
type Resolve = (
  hostname: string,
  options: LookupAllOptions,
  done: (error: Error | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for net.connect that refuses a name with any address that is not public. It runs as the
 * socket connects, on the very addresses it connects to: a name cannot pass a check and then resolve
 * inward for the call (DNS rebinding). `resolve` is the system resolver but in tests.
 */
export function publicOnlyLookup(resolve: Resolve = dnsLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const inward = addresses.find(({ address }) => !isPublicAddress(address));
      if (inward || addresses.length === 0)
        return callback(
          new Error(`${hostname} resolves to ${inward?.address ?? 'nothing'}, which is not a public address`),
          [],
        );
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

// One pool of connections for every call to a URL a merchant or biller chose.
const publicOnly = new Agent({ connect: { lookup: publicOnlyLookup() } });

/**
 * fetch() for a URL someone outside chose (a live webhook endpoint, a shop's callback): it only ever
 * connects to public addresses. A literal address or a local name is refused before any connection,
 * a name that resolves inward as the connection is made.
 */
export async function fetchPublic(url: string, init: RequestInit = {}): Promise<Response> {
  const hostname = hostOf(new URL(url));
  if (isLocalHostName(hostname) || (isIP(hostname) && !isPublicAddress(hostname)))
    throw new Error(`${hostname} is not a public address`);
  // undici's fetch is the one Node's global fetch is built on; only it takes a dispatcher.
  return undiciFetch(url, { ...init, dispatcher: publicOnly } as never) as unknown as Promise<Response>;
}

/** fetchPublic where the destination must be public (live mode), plain fetch where it may be local (tests). */
export const fetchTo = (mustBePublic: boolean): typeof fetchPublic => (mustBePublic ? fetchPublic : fetch);
