import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

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

/**
 * Resolves url's host and throws unless every address it has is public: checked again just before
 * each call, because a name that was public when registered may point inward later.
 */
export async function assertPublicDestination(url: string): Promise<void> {
  const hostname = hostOf(new URL(url));
  if (isLocalHostName(hostname)) throw new Error(`${hostname} is not a public address`);
  const addresses = isIP(hostname) ? [{ address: hostname }] : await lookup(hostname, { all: true });
  const inward = addresses.find(({ address }) => !isPublicAddress(address));
  if (inward) throw new Error(`${hostname} resolves to ${inward.address}, which is not a public address`);
}
