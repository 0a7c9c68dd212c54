import { describeError, fetchFromSite, type SiteCheckConfig } from '../../../core/site-client.js';
import type { Check, CheckOutcome } from './types.js';

/** Each site answers over HTTPS with a certificate valid for its name, from a trusted authority, in date. */
export function tlsCheck(config: SiteCheckConfig): Check {
  return async ({ application }) =>
    Promise.all(
      application.domains.map(async (domain): Promise<CheckOutcome> => {
        try {
          const answer = await fetchFromSite('https', domain, '/', config);
          return {
            kind: 'tls',
            subject: domain,
            result: 'pass',
            explanation: `https://${domain}/ answered ${answer.status} with a valid certificate.`,
          };
        } catch (error) {
          return {
            kind: 'tls',
            subject: domain,
            result: 'fail',
            explanation: `https://${domain}/ did not answer over valid TLS: ${describeError(error)}.`,
          };
        }
      }),
    );
}
