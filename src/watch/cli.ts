import type { Writable } from 'node:stream';
import type { SiteCheckConfig } from '../core/site-client.js';
import { assess } from './assess.js';
import { probeSite } from './probe.js';
import { watchableUrl } from './service.js';

/**
 * `tijara watch check URL`: one visit of a site as the watch makes it, printed, without recording
 * anything (no content to compare with, so no defacement verdict). Exit code 0 when the site is up.
 */
export async function checkUrlCommand(raw: string, network: SiteCheckConfig, out: Writable, now: Date) {
  const url = watchableUrl(raw);
  if (typeof url !== 'string') {
    out.write(`${url.detail}\n`);
    return 2;
  }
  const probe = await probeSite(url, network);
  const outcome = assess(probe, null, now);
  const lines = [`${url}: ${outcome.status}`];
  if (probe.answered)
    lines.push(`  answered ${probe.status} in ${probe.responseMs} ms from ${probe.finalUrl}`);
  if (probe.tls) {
    const { authorized, error, validTo, issuer, protocol } = probe.tls;
    lines.push(
      `  TLS ${protocol ?? '?'}, certificate from ${issuer ?? '?'} until ${validTo?.toISOString() ?? '?'}: ${authorized ? 'trusted' : `refused (${error})`}`,
    );
  }
  for (const finding of outcome.findings) lines.push(`  ${finding.kind}: ${finding.detail}`);
  out.write(`${lines.join('\n')}\n`);
  return outcome.status === 'up' ? 0 : 1;
}
