import { isIP } from 'node:net';
import { hostOf, isLocalHostName, isPublicAddress } from './network.js';

/** What is wrong with a URL Tijara will call or send a browser to, if anything. */
export type CallbackUrlProblem = 'invalid_url' | 'credentials_in_url' | 'insecure_url' | 'private_address';

/**
 * An absolute http(s) URL without credentials. In live mode (`live`) https only, and no host that is
 * plainly not on the public internet (localhost, a private or link-local address); test integrations
 * may point at a developer's machine.
 */
export function callbackUrlProblem(url: string, live: boolean): CallbackUrlProblem | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'invalid_url';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'invalid_url';
  if (parsed.username || parsed.password) return 'credentials_in_url';
  if (!live) return undefined;
  if (parsed.protocol !== 'https:') return 'insecure_url';
  const host = hostOf(parsed);
  if (isLocalHostName(host) || (isIP(host) !== 0 && !isPublicAddress(host))) return 'private_address';
  return undefined;
}
