import { type AttentionItem, COUNT_LIMIT } from '../../console/attention.js';
import { fill } from '../../web/i18n.js';
import { onboardingMessages } from './messages.js';
import type { OnboardingService } from './service.js';

/** Open merchant files a reviewer can act on: not those waiting for the merchant's answer. */
export function filesAwaitingReview(onboarding: Pick<OnboardingService, 'listCases'>): AttentionItem {
  return {
    id: 'merchant_files',
    permission: 'merchants.review',
    href: '/console/cases',
    async count() {
      const open = await onboarding.listCases({ open: true });
      return Math.min(open.filter((c) => c.case.state !== 'information_requested').length, COUNT_LIMIT);
    },
    label: (locale, count) => fill(onboardingMessages(locale).attention, { count }),
  };
}
