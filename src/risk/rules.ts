/**
 * Transaction monitoring: what the supervising authority is told to look at. Each rule reads the
 * network's journal of a recent window and names a merchant or a card whose traffic looks like an
 * attack. The rules raise alerts for people to review; they decline nothing themselves.
 */
import type { CardTraffic, MerchantTraffic } from '../switch/traffic.js';

export const RULES = ['card_testing', 'decline_spike', 'card_across_merchants'] as const;
export type Rule = (typeof RULES)[number];
export type Severity = 'medium' | 'high';

export interface Thresholds {
  cardTesting: { windowMinutes: number; attempts: number; declinedCards: number; declineShare: number };
  declineSpike: { windowMinutes: number; attempts: number; declineShare: number };
  cardAcrossMerchants: { windowMinutes: number; merchants: number; declined: number };
}

/**
 * The defaults. Card testing: a script tries stolen or guessed numbers at one shop, many cards, most of
 * them declined, within minutes. A decline spike: one shop's payments mostly refused for an hour (an
 * attack with few cards, or a broken integration). A card across merchants: one card tried at several
 * shops within an hour and declined, the way a stolen card is tried out.
 */
export const DEFAULT_THRESHOLDS: Thresholds = {
  cardTesting: { windowMinutes: 15, attempts: 20, declinedCards: 10, declineShare: 0.5 },
  declineSpike: { windowMinutes: 60, attempts: 30, declineShare: 0.7 },
  cardAcrossMerchants: { windowMinutes: 60, merchants: 3, declined: 2 },
};

export interface Finding {
  rule: Rule;
  subjectKind: 'merchant' | 'card';
  /** A merchant id, or a card as `BIN…last4`. */
  subject: string;
  severity: Severity;
  /** The window's figures that made the rule fire, for the reviewer. */
  evidence: Record<string, number | string>;
}

export const cardSubject = (card: Pick<CardTraffic, 'bin' | 'last4'>) => `${card.bin}…${card.last4}`;

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

export function cardTesting(traffic: readonly MerchantTraffic[], t: Thresholds['cardTesting']): Finding[] {
  return traffic
    .filter(
      (m) =>
        m.attempts >= t.attempts &&
        m.declinedCards >= t.declinedCards &&
        share(m.declined, m.attempts) >= t.declineShare,
    )
    .map((m) => ({
      rule: 'card_testing',
      subjectKind: 'merchant',
      subject: m.merchantId,
      severity: 'high',
      evidence: {
        window_minutes: t.windowMinutes,
        attempts: m.attempts,
        declined: m.declined,
        cards: m.cards,
        declined_cards: m.declinedCards,
        invalid_numbers: m.invalidNumbers,
      },
    }));
}

export function declineSpike(traffic: readonly MerchantTraffic[], t: Thresholds['declineSpike']): Finding[] {
  return traffic
    .filter((m) => m.attempts >= t.attempts && share(m.declined, m.attempts) >= t.declineShare)
    .map((m) => ({
      rule: 'decline_spike',
      subjectKind: 'merchant',
      subject: m.merchantId,
      severity: 'medium',
      evidence: {
        window_minutes: t.windowMinutes,
        attempts: m.attempts,
        declined: m.declined,
        cards: m.cards,
      },
    }));
}

export function cardAcrossMerchants(
  traffic: readonly CardTraffic[],
  t: Thresholds['cardAcrossMerchants'],
): Finding[] {
  return traffic
    .filter((c) => c.merchants >= t.merchants && c.declined >= t.declined)
    .map((c) => ({
      rule: 'card_across_merchants',
      subjectKind: 'card',
      subject: cardSubject(c),
      severity: 'high',
      evidence: {
        window_minutes: t.windowMinutes,
        merchants: c.merchants,
        attempts: c.attempts,
        declined: c.declined,
      },
    }));
}
