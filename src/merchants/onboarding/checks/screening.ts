import type { ScreeningPort } from '../../../screening/port.js';
import type { Check, CheckOutcome } from './types.js';
import { companySubject } from './types.js';

/** The company and every person screened against the watchlists; each hit goes on the case for review. */
export function screeningCheck(screening: ScreeningPort): Check {
  return async (subject) => {
    const { application, owners } = subject;
    const queries = [
      {
        reference: application.id,
        name: companySubject(subject),
        query: { name: application.company_name, kind: 'organisation' as const },
      },
      ...owners.map((o) => ({
        reference: o.id,
        name: o.latin_name,
        query: {
          name: o.latin_name,
          alternateName: o.arabic_name,
          kind: 'person' as const,
          birthDate: o.birth_date,
          nationality: o.nationality,
        },
      })),
    ];
    return Promise.all(
      queries.map(async ({ reference, name, query }): Promise<CheckOutcome> => {
        try {
          const hits = await screening.search(query);
          if (hits.length === 0)
            return {
              kind: 'screening',
              subject: name,
              result: 'pass',
              explanation: 'No watchlist entry resembles this name.',
            };
          // A warning: the hits themselves go on the case, and their verdicts set the risk from then on.
          return {
            kind: 'screening',
            subject: name,
            result: 'warn',
            explanation: hits
              .map(
                (h) => `${h.list.name}: ${h.name} (score ${h.score.toFixed(2)}; ${h.explanation.join(', ')})`,
              )
              .join(' | '),
            hits: hits.map((hit) => ({ subjectReference: reference, subjectName: name, hit })),
          };
        } catch (error) {
          return {
            kind: 'screening',
            subject: name,
            result: 'fail',
            explanation: `Screening did not answer (${(error as Error).message}); screen this name by hand.`,
          };
        }
      }),
    );
  };
}
