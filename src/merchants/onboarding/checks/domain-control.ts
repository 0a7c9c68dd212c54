import { Resolver } from 'node:dns/promises';
import {
  describeError,
  fetchFromSite,
  type SiteCheckConfig,
  withTimeout,
} from '../../../core/site-client.js';
import type { Check, CheckOutcome } from './types.js';

export const WELL_KNOWN_PATH = '/.well-known/tijara-verification.txt';

/** The TXT record value, or the file's content, that proves control of a domain. */
export function verificationValue(token: string): string {
  return `tijara-verification=${token}`;
}

async function txtRecords(domain: string, config: SiteCheckConfig): Promise<string[]> {
  const resolver = new Resolver({ timeout: config.timeoutMs, tries: 1 });
  if (config.dnsServers?.length) resolver.setServers(config.dnsServers);
  const records = await withTimeout(
    resolver.resolveTxt(domain),
    config.timeoutMs * 2,
    `TXT lookup of ${domain}`,
  );
  // A long TXT record comes as several strings; they are one value.
  return records.map((parts) => parts.join(''));
}

/**
 * Proof that the applicant controls each domain: a DNS TXT record `tijara-verification=<token>` on the
 * domain, or that text in https://domain/.well-known/tijara-verification.txt (http:// as a last resort).
 */
export function domainControlCheck(config: SiteCheckConfig): Check {
  return async ({ application }) => {
    const expected = verificationValue(application.verification_token);
    return Promise.all(
      application.domains.map(async (domain): Promise<CheckOutcome> => {
        const tried: string[] = [];
        try {
          if ((await txtRecords(domain, config)).includes(expected))
            return {
              kind: 'domain_control',
              subject: domain,
              result: 'pass',
              explanation: `DNS TXT record ${expected} found.`,
            };
          tried.push('no matching DNS TXT record');
        } catch (error) {
          tried.push(`DNS TXT: ${describeError(error)}`);
        }
        for (const scheme of ['https', 'http'] as const) {
          try {
            const answer = await fetchFromSite(scheme, domain, WELL_KNOWN_PATH, config);
            if (answer.status === 200 && answer.body.trim() === expected) {
              const note = scheme === 'http' ? ' (over plain HTTP)' : '';
              return {
                kind: 'domain_control',
                subject: domain,
                result: scheme === 'https' ? 'pass' : 'warn',
                explanation: `${scheme}://${domain}${WELL_KNOWN_PATH} holds the verification token${note}.`,
              };
            }
            tried.push(
              `${scheme}: HTTP ${answer.status}${answer.status === 200 ? ' with another content' : ''}`,
            );
          } catch (error) {
            tried.push(`${scheme}: ${describeError(error)}`);
          }
        }
        return {
          kind: 'domain_control',
          subject: domain,
          result: 'fail',
          explanation: `No proof of control: publish the TXT record ${expected} or the file ${WELL_KNOWN_PATH}. Tried: ${tried.join('; ')}.`,
        };
      }),
    );
  };
}
