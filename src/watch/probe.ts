import http from 'node:http';
import https from 'node:https';
import { rootCertificates, type TLSSocket } from 'node:tls';
import { addressOf, describeError, type SiteCheckConfig, withTimeout } from '../core/site-client.js';
import type { TlsReport } from './model.js';

/** What one visit of a site's page gave: its answer, or why none came. */
export type Probe =
  | {
      answered: true;
      status: number;
      /** Header names in lower case; a repeated header's values joined by ", ". */
      headers: Record<string, string>;
      body: string;
      /** Where the page was after redirects. */
      finalUrl: string;
      responseMs: number;
      tls: TlsReport | null;
    }
  | { answered: false; error: string; responseMs: number; tls: TlsReport | null };

/** A page larger than this is judged on its first part: enough wording for a fingerprint. */
export const MAX_PAGE_BYTES = 512 * 1024;
const MAX_REDIRECTS = 5;

interface Hop {
  status: number;
  headers: Record<string, string>;
  body: string;
  tls: TlsReport | null;
}

function tlsReportOf(socket: TLSSocket): TlsReport {
  const certificate = socket.getPeerCertificate();
  const validTo = certificate?.valid_to ? new Date(certificate.valid_to) : null;
  const issuer = certificate?.issuer;
  return {
    authorized: socket.authorized,
    error: socket.authorizationError ? String(socket.authorizationError) : null,
    validTo: validTo && !Number.isNaN(validTo.getTime()) ? validTo : null,
    issuer: [issuer?.O, issuer?.CN].flat().find((name) => typeof name === 'string' && name !== '') ?? null,
    protocol: socket.getProtocol() ?? null,
  };
}

function headersOf(message: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/**
 * One GET of the URL, to the address its name resolves to (a public one, or one the operator fixed).
 * The certificate is read, not enforced: an invalid one is a finding about the site, not a failure to
 * check it.
 */
async function visit(url: URL, config: SiteCheckConfig): Promise<Hop> {
  const secure = url.protocol === 'https:';
  const address = await addressOf(url.hostname, config);
  const port = url.port ? Number(url.port) : secure ? (config.httpsPort ?? 443) : (config.httpPort ?? 80);
  const options: https.RequestOptions = {
    host: address,
    port,
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers: {
      host: url.host,
      'user-agent': 'Tijara-watch/1 (site monitoring of the supervising authority)',
      accept: 'text/html, text/plain;q=0.9, */*;q=0.5',
    },
    timeout: config.timeoutMs,
    agent: false,
    ...(secure
      ? {
          servername: url.hostname,
          ca: [...rootCertificates, ...(config.trustedCa ?? [])],
          rejectUnauthorized: false,
        }
      : {}),
  };
  const work = new Promise<Hop>((resolve, reject) => {
    const request = (secure ? https : http).request(options, (response) => {
      const tls = secure ? tlsReportOf(response.socket as TLSSocket) : null;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size >= MAX_PAGE_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_PAGE_BYTES) response.destroy();
      });
      response.on('close', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: headersOf(response),
          body: Buffer.concat(chunks).subarray(0, MAX_PAGE_BYTES).toString('utf8'),
          tls,
        }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${config.timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
  return withTimeout(work, config.timeoutMs * 2, url.href);
}

/** Visits the page, following up to five redirects; never throws. */
export async function probeSite(url: string, config: SiteCheckConfig): Promise<Probe> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let current = new URL(url);
  let tls: TlsReport | null = null;
  try {
    for (let redirects = 0; ; redirects++) {
      const hop = await visit(current, config);
      tls = hop.tls;
      const location = hop.headers.location;
      if (hop.status >= 300 && hop.status < 400 && location && redirects < MAX_REDIRECTS) {
        const next = new URL(location, current);
        if (next.protocol !== 'http:' && next.protocol !== 'https:')
          throw new Error(`redirected to ${next.protocol} URL`);
        current = next;
        continue;
      }
      return { answered: true, ...hop, tls, finalUrl: current.href, responseMs: elapsed() };
    }
  } catch (error) {
    return { answered: false, error: describeError(error), responseMs: elapsed(), tls };
  }
}
