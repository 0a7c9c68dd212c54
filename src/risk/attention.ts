import { type AttentionItem, COUNT_LIMIT } from '../console/attention.js';
import { fill } from '../web/i18n.js';
import { riskMessages } from './messages.js';
import type { RiskService } from './service.js';

/** Transaction-monitoring alerts nobody has looked at yet. */
export function openAlerts(risk: Pick<RiskService, 'listAlerts'>): AttentionItem {
  return {
    id: 'risk_alerts',
    permission: 'risk.review',
    href: '/console/risk',
    count: async () => (await risk.listAlerts({ status: 'open', limit: COUNT_LIMIT })).length,
    label: (locale, count) => fill(riskMessages(locale).attention, { count }),
  };
}
