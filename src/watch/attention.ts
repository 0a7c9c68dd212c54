import { type AttentionItem, COUNT_LIMIT } from '../console/attention.js';
import { fill } from '../web/i18n.js';
import { watchMessages } from './messages.js';
import type { WatchService } from './service.js';

/** Watched sites whose last check found them down, defaced or at risk (paused ones aside). */
export function sitesInTrouble(watch: Pick<WatchService, 'listSites'>): AttentionItem {
  return {
    id: 'watched_sites',
    permission: 'sites.watch',
    href: '/console/sites',
    async count() {
      const troubled = await Promise.all(
        (['down', 'defaced', 'at_risk'] as const).map((status) =>
          watch.listSites({ status, limit: COUNT_LIMIT }),
        ),
      );
      return Math.min(troubled.flat().filter((site) => site.enabled).length, COUNT_LIMIT);
    },
    label: (locale, count) => fill(watchMessages(locale).attention, { count }),
  };
}
