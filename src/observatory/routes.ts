import { Type } from 'typebox';
import { type MinorUnits, toJsonAmount } from '../core/money.js';
import { Problem } from '../core/problem.js';
import type { App } from '../http/server.js';
import { openDataCsv } from './csv.js';
import { MINIMUM_MERCHANTS } from './figures.js';
import type { PublishedFigures, PublishedQuarter } from './model.js';
import type { ObservatoryService } from './service.js';

const QuarterText = Type.String({ pattern: '^[0-9]{4}-Q[1-4]$', examples: ['2026-Q3'] });

const amount = (value: MinorUnits | null) => (value === null ? null : toJsonAmount(value));

function figuresJson(f: PublishedFigures) {
  return {
    key: f.key,
    payments: f.payments,
    volume: amount(f.volume),
    average_basket: amount(f.averageBasket),
    refunds: f.refunds,
    refunded: amount(f.refunded),
    growth: { quarter_on_quarter: f.growth.quarterOnQuarter, year_on_year: f.growth.yearOnYear },
  };
}

function quarterJson(q: PublishedQuarter) {
  return {
    quarter: q.quarter,
    source: q.source,
    provisional: q.provisional,
    total: figuresJson(q.total),
    by_sector: q.bySector.map(figuresJson),
    by_card_origin: q.byCardOrigin.map(figuresJson),
  };
}

/** Open data: anyone may read it, from anywhere, without a key. */
export function observatoryRoutes(deps: { observatory: Pick<ObservatoryService, 'published'> }) {
  return async (app: App) => {
    app.get(
      '/v1/observatory/quarters',
      {
        schema: {
          tags: ['observatory'],
          summary:
            'E-commerce card payments in Morocco by quarter: volume, count, average basket, growth, by sector and card origin (open data)',
          querystring: Type.Object(
            {
              from: Type.Optional(QuarterText),
              to: Type.Optional(QuarterText),
              format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const { from, to, format } = request.query;
        if (from && to && from > to)
          throw new Problem(400, 'invalid_request', 'Invalid request', `from (${from}) is after to (${to})`);
        const quarters = await deps.observatory.published({
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
        });
        reply.header('access-control-allow-origin', '*').header('cache-control', 'public, max-age=300');
        if (format === 'csv') {
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="tijara-observatory.csv"')
            .send(openDataCsv(quarters));
        }
        return {
          object: 'list',
          currency: 'MAD',
          amounts_in: 'centimes',
          minimum_merchants_per_figure: MINIMUM_MERCHANTS,
          data: quarters.map(quarterJson),
        };
      },
    );
  };
}
