import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { Config } from './config.js';
import { isPublicAddress } from './network.js';

/** How the site checks reach merchants' web sites. Every call has a short timeout. */
export interface SiteCheckConfig {
  /** Per network call (DNS query, TCP + TLS + response). */
  timeoutMs: number;
  /** DNS servers for the TXT lookup ('1.1.1.1', '127.0.0.1:5353'); the system's when absent. */
  dnsServers?: string[];
  httpPort?: number;
  httpsPort?: number;
  /** Extra certificate authorities trusted besides Node's bundled roots (PEM), e.g. a test CA. */
  trustedCa?: string[];
  /** Fixed addresses for some host names (tests, split-horizon networks); others resolve through DNS. */
  hosts?: Record<string, string>;
}

export const defaultSiteCheckConfig: SiteCheckConfig = { timeoutMs: 3_000 };

/** The checks' settings from the platform's configuration (the TIJARA_ONBOARDING_* variables). */
export function siteCheckConfigOf(config: Config): SiteCheckConfig {
  return {
    timeoutMs: config.onboardingTimeoutMs,
    httpPort: config.onboardingHttpPort,
    httpsPort: config.onboardingHttpsPort,
    ...(config.onboardingDns ? { dnsServers: config.onboardingDns } : {}),
    ...(config.onboardingCaFile ? { trustedCa: [readFileSync(config.onboardingCaFile, 'utf8')] } : {}),
    ...(config.onboardingHosts ? { hosts: config.onboardingHosts } : {}),
  };
}

export interface SiteAnswer {
  status: number;
  body: string;
}

const MAX_BODY = 4096;

/**
 * Where a host name points: a fixed address from the config (the operator's own mapping), else DNS,
 * whose answer must be a public address: an applicant's domain must not make Tijara call into its own
 * network. The connection then goes to that very address, so the name cannot change in between.
 */
export async function addressOf(host: string, config: SiteCheckConfig): Promise<string> {
  const fixed = config.hosts?.[host];
  if (fixed) return fixed;
  const found = await withTimeout(lookup(host), config.timeoutMs, `DNS lookup of ${host}`);
  if (!isPublicAddress(found.address))
    throw new Error(`${host} resolves to ${found.address}, which is not a public address`);
  return found.address;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * GETs a path on the site, checking the certificate against the trusted CAs for https (the connection
 * goes to the resolved address, while SNI and the Host header carry the domain). Reads at most 4 KiB.
 */
export async function fetchFromSite(
  scheme: 'http' | 'https',
  domain: string,
  path: string,
  config: SiteCheckConfig,
): Promise<SiteAnswer> {
  const address = await addressOf(domain, config);
  const port = scheme === 'https' ? (config.httpsPort ?? 443) : (config.httpPort ?? 80);
  const options: https.RequestOptions = {
    host: address,
    port,
    path,
    method: 'GET',
    headers: { host: domain, 'user-agent': 'Tijara-onboarding/1', accept: 'text/plain, text/html' },
    timeout: config.timeoutMs,
    ...(scheme === 'https'
      ? {
          servername: domain,
          ca: [...rootCertificates, ...(config.trustedCa ?? [])],
          rejectUnauthorized: true,
          agent: false,
        }
      : { agent: false }),
  };
  const work = new Promise<SiteAnswer>((resolve, reject) => {
    const request = (scheme === 'https' ? https : http).request(options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_BODY) response.destroy();
      });
      response.on('close', () =>
        resolve({ status: response.statusCode ?? 0, body: body.slice(0, MAX_BODY) }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${config.timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
  return withTimeout(work, config.timeoutMs * 2, `${scheme}://${domain}${path}`);
}

/** A network error as a person reads it: the TLS or socket code first. */
export function describeError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message ?? ''}`.trim() : (e.message ?? String(error));
}
