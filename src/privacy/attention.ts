import type { AttentionItem } from '../console/attention.js';
import type { MerchantService } from '../merchants/service.js';
import { fill } from '../web/i18n.js';
import { privacyMessages } from './messages.js';
import { figuresByMerchant } from './oversight.js';
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
    count: async () =>
      (await figuresByMerchant(privacy, merchants)).reduce(
        (sum, merchant) => sum + (merchant.closed ? merchant.open : 0),
        0,
      ),
    label: (locale, count) => fill(privacyMessages(locale).closedAttention, { count }),
  };
}
