import type { AttentionItem } from '../console/attention.js';
import { consoleClosed } from '../merchants/onboarding/gate.js';
import type { MerchantService } from '../merchants/service.js';
import { fill } from '../web/i18n.js';
import { privacyMessages } from './messages.js';
import type { PrivacyService } from './service.js';

/** People's requests that merchants left unanswered past their due date, for the data protection officer. */
export function overdueRequests(privacy: Pick<PrivacyService, 'figures'>): AttentionItem {
  return {
    id: 'privacy_overdue',
    permission: 'privacy.manage',
    href: '/console/data-protection',
    count: async () => (await privacy.figures()).reduce((sum, merchant) => sum + merchant.overdue, 0),
    label: (locale, count) => fill(privacyMessages(locale).attention, { count }),
  };
}

/** Open requests at merchants whose console is closed: no one but the officer can answer them. */
export function requestsOfClosedMerchants(
  privacy: Pick<PrivacyService, 'figures'>,
  merchants: Pick<MerchantService, 'getMerchant'>,
): AttentionItem {
  return {
    id: 'privacy_closed_merchants',
    permission: 'privacy.manage',
    href: '/console/data-protection',
    async count() {
      let open = 0;
      for (const figures of await privacy.figures())
        if (figures.open > 0 && consoleClosed((await merchants.getMerchant(figures.merchantId))?.status))
          open += figures.open;
      return open;
    },
    label: (locale, count) => fill(privacyMessages(locale).closedAttention, { count }),
  };
}
