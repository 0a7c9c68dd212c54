import type { MinorUnits } from '../core/money.js';
import { fill, formatMoney, type Locale } from '../web/i18n.js';
import { Page } from '../web/render.js';
import {
  BarChart,
  type ChartBar,
  type ChartColumn,
  type ChartSegment,
  ColumnChart,
  formatCount,
  formatGrowth,
} from './chart.js';
import { MINIMUM_MERCHANTS } from './figures.js';
import { observatoryMessages, quarterLabel, quarterName } from './messages.js';
import { CARD_ORIGINS, type PublishedFigures, type PublishedQuarter, SECTORS, type Sector } from './model.js';

type Messages = ReturnType<typeof observatoryMessages>;

const CSV_URL = '/v1/observatory/quarters?format=csv';
const JSON_URL = '/v1/observatory/quarters';

const money = (amount: MinorUnits | null, locale: Locale) =>
  amount === null ? '—' : formatMoney(amount, 'MAD', locale);

const isSector = (key: string): key is Sector => (SECTORS as readonly string[]).includes(key);

function sectorLabel(key: string, t: Messages): string {
  return isSector(key) ? t[`sector_${key}`] : key;
}

/** The quarter's bar from bottom to top: Moroccan cards, foreign cards, and whatever no origin covers. */
function originSegments(quarter: PublishedQuarter, t: Messages, locale: Locale): ChartSegment[] {
  const segment = (value: MinorUnits, className: string, label: string) => ({
    value,
    className,
    label: `${label}: ${money(value, locale)}`,
  });
  const segments = CARD_ORIGINS.flatMap((origin) => {
    const cell = quarter.byCardOrigin.find((c) => c.key === origin);
    return cell ? [segment(cell.volume, `series-${origin}`, t[`origin_${origin}`])] : [];
  });
  const rest = quarter.total.volume - segments.reduce((sum, s) => sum + s.value, 0n);
  // A withheld split draws the whole bar unsplit; a split short of the total draws the remainder so.
  if (rest > 0n || segments.length === 0) segments.push(segment(rest, 'series-all', t.allCards));
  return segments;
}

function Legend({ columns, t }: { columns: ChartColumn[]; t: Messages }) {
  const entries = [
    ...CARD_ORIGINS.map((origin) => ({ className: `series-${origin}`, label: t[`origin_${origin}`] })),
    { className: 'series-all', label: t.allCards },
  ].filter((entry) => columns.some((c) => c.segments.some((s) => s.className === entry.className)));
  return (
    <ul class="chart-legend">
      {entries.map((entry) => (
        <li key={entry.className}>
          <span class={`chart-swatch ${entry.className}`} aria-hidden="true" />
          {entry.label}
        </li>
      ))}
    </ul>
  );
}

function Markers({ quarter, t }: { quarter: PublishedQuarter; t: Messages }) {
  return (
    <>
      {quarter.provisional ? <span class="observatory-marker">{t.provisional}</span> : null}
      {quarter.source === 'imported' ? <span class="observatory-marker">{t.imported}</span> : null}
    </>
  );
}

function Headline({ quarter, locale, t }: { quarter: PublishedQuarter; locale: Locale; t: Messages }) {
  const { total } = quarter;
  const cards: [string, string][] = [
    [t.volume, money(total.volume, locale)],
    [t.payments, formatCount(total.payments, locale)],
    [t.averageBasket, money(total.averageBasket, locale)],
    [t.growthQuarter, formatGrowth(total.growth.quarterOnQuarter, locale)],
    [t.growthYear, formatGrowth(total.growth.yearOnYear, locale)],
  ];
  return (
    <section aria-labelledby="latest-heading">
      <h2 id="latest-heading">
        {fill(t.latest, { quarter: quarterLabel(quarter.quarter, locale) })}{' '}
        <Markers quarter={quarter} t={t} />
      </h2>
      {quarter.provisional ? <p class="note">{t.provisionalNote}</p> : null}
      <dl class="headline-cards">
        {cards.map(([label, value]) => (
          <div class="headline-card" key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function VolumeChart({ quarters, locale, t }: { quarters: PublishedQuarter[]; locale: Locale; t: Messages }) {
  const columns: ChartColumn[] = quarters.map((q) => ({
    key: q.quarter,
    ...quarterName(q.quarter, locale),
    segments: originSegments(q, t, locale),
  }));
  return (
    <section aria-labelledby="volume-heading">
      <h2 id="volume-heading">{t.volumeChartTitle}</h2>
      <figure class="chart-figure">
        <ColumnChart
          id="volume-chart"
          title={t.volumeChartTitle}
          description={t.volumeChartDescription}
          locale={locale}
          columns={columns}
        />
        <Legend columns={columns} t={t} />
      </figure>
    </section>
  );
}

function SectorChart({ quarter, locale, t }: { quarter: PublishedQuarter; locale: Locale; t: Messages }) {
  if (quarter.bySector.length === 0) return null;
  const title = fill(t.sectorChartTitle, { quarter: quarterLabel(quarter.quarter, locale) });
  const bars: ChartBar[] = [...quarter.bySector]
    .sort((a, b) => (a.volume === b.volume ? 0 : a.volume < b.volume ? 1 : -1))
    .map((cell) => ({ key: cell.key, label: sectorLabel(cell.key, t), value: cell.volume }));
  return (
    <section aria-labelledby="sector-heading">
      <h2 id="sector-heading">{title}</h2>
      <figure class="chart-figure">
        <BarChart
          id="sector-chart"
          title={title}
          description={t.sectorChartDescription}
          locale={locale}
          bars={bars}
        />
      </figure>
    </section>
  );
}

function figureCells(f: PublishedFigures, locale: Locale): string[] {
  return [
    formatCount(f.payments, locale),
    money(f.volume, locale),
    money(f.averageBasket, locale),
    formatGrowth(f.growth.quarterOnQuarter, locale),
    formatGrowth(f.growth.yearOnYear, locale),
    formatCount(f.refunds, locale),
    money(f.refunded, locale),
  ];
}

/** The same figures as the charts, for whoever does not read a chart. */
function SeriesTable({ quarters, locale, t }: { quarters: PublishedQuarter[]; locale: Locale; t: Messages }) {
  const headings = [
    t.payments,
    t.volume,
    t.averageBasket,
    t.growthQuarter,
    t.growthYear,
    t.refunds,
    t.refunded,
  ];
  return (
    <>
      <h2 id="series-heading">{t.seriesTitle}</h2>
      {/* Focusable: on a narrow screen the table scrolls, and the keyboard must reach it (WCAG 2.1.1). */}
      <section class="table-scroll" aria-labelledby="series-heading" tabindex={0}>
        <table class="observatory-series">
          <thead>
            <tr>
              <th scope="col">{t.quarter}</th>
              {headings.map((heading) => (
                <th scope="col" class="num" key={heading}>
                  {heading}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {quarters.map((q) => (
              <tr key={q.quarter}>
                <th scope="row">
                  {quarterLabel(q.quarter, locale)} <Markers quarter={q} t={t} />
                </th>
                {figureCells(q.total, locale).map((cell, i) => (
                  <td class="num" key={headings[i]}>
                    {cell}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {quarters.some((q) => q.source === 'imported') ? <p class="note">{t.importedNote}</p> : null}
    </>
  );
}

function OpenData({ t }: { t: Messages }) {
  return (
    <section aria-labelledby="open-data-heading">
      <h2 id="open-data-heading">{t.openData}</h2>
      <ul class="open-data">
        <li>
          <a href={CSV_URL} type="text/csv" download>
            {t.downloadCsv}
          </a>
        </li>
        <li>
          <a href={JSON_URL} type="application/json">
            {t.json}
          </a>
        </li>
      </ul>
    </section>
  );
}

export interface ObservatoryPageProps {
  locale: Locale;
  path: string;
  /** The quarters to show, oldest first; the last one is the headline. */
  quarters: PublishedQuarter[];
}

/** The public page: the latest quarter, the series as charts and as a table, and the open data. */
export function ObservatoryPage({ locale, path, quarters }: ObservatoryPageProps) {
  const t = observatoryMessages(locale);
  const latest = quarters.at(-1);
  return (
    <Page locale={locale} title={t.title} path={path} wide>
      <h1>{t.title}</h1>
      <p>{fill(t.intro, { minimum: MINIMUM_MERCHANTS })}</p>
      {latest ? (
        <>
          <Headline quarter={latest} locale={locale} t={t} />
          <VolumeChart quarters={quarters} locale={locale} t={t} />
          <SectorChart quarter={latest} locale={locale} t={t} />
          <SeriesTable quarters={quarters} locale={locale} t={t} />
        </>
      ) : (
        <p class="observatory-empty">{t.empty}</p>
      )}
      <OpenData t={t} />
    </Page>
  );
}
