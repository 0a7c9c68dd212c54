import { Type } from 'typebox';
import type { App } from '../http/server.js';
import { localeOf } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import type { PublishedQuarter, Quarter } from './model.js';
import { ObservatoryPage } from './pages.js';

/** Two years: enough to read a year-on-year change, few enough for a chart a phone can show. */
export const QUARTERS_SHOWN = 8;

export interface ObservatoryPageDeps {
  published(range?: { from?: Quarter; to?: Quarter }): Promise<PublishedQuarter[]>;
}

// An unknown language passes (and falls back in localeOf), like on the other pages.
const PageQuery = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 5 })) });

/** /observatory: the public page of the e-commerce observatory, open to anyone without signing in. */
export function observatoryPageRoutes(deps: ObservatoryPageDeps) {
  return async (app: App) => {
    app.get('/observatory', { schema: { hide: true, querystring: PageQuery } }, async (request, reply) => {
      // Oldest first: the tail is the latest quarters.
      const quarters = (await deps.published()).slice(-QUARTERS_SHOWN);
      return sendPage(
        reply,
        <ObservatoryPage locale={localeOf(request)} path={request.url} quarters={quarters} />,
      );
    });
  };
}
