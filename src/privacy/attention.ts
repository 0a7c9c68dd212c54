import type { AttentionItem } from '../console/attention.js';
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
