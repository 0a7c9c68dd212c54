import type { CaseKind, CheckResult, HitVerdict, RiskLevel } from './model.js';

/** Above this expected monthly volume (in centimes: 1,000,000.00 MAD) a case is at least medium risk. */
export const HIGH_VOLUME = 100_000_000n;

/** The risk level a case takes from its checks, its screening hits and the size of the business. */
export function riskLevel(facts: {
  kind: CaseKind;
  checks: { result: CheckResult }[];
  hits: { verdict: HitVerdict | null }[];
  expectedMonthlyVolume?: bigint;
}): RiskLevel {
  // A merchant coming back from suspension, or one a list now names, is never routine.
  if (facts.kind !== 'application') return 'high';
  if (facts.checks.some((c) => c.result === 'fail')) return 'high';
  if (facts.hits.some((h) => h.verdict !== 'false_positive')) return 'high';
  if (facts.hits.length > 0 || facts.checks.some((c) => c.result === 'warn' || c.result === 'pending'))
    return 'medium';
  if ((facts.expectedMonthlyVolume ?? 0n) > HIGH_VOLUME) return 'medium';
  return 'low';
}

/**
 * Four eyes: a high-risk case, an escalated one, or one with a screening hit (resolved or not: the
 * reviewer who cleared a hit must not be the only one to approve) needs two different reviewers, the
 * second a senior reviewer.
 */
export function needsFourEyes(facts: {
  riskLevel: RiskLevel;
  escalated: boolean;
  hits: { verdict: HitVerdict | null }[];
}): boolean {
  return facts.riskLevel === 'high' || facts.escalated || facts.hits.length > 0;
}
