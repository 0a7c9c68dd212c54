/**
 * Bar charts drawn on the server as SVG, without a library, and the numbers they and the page show in
 * the reader's language. Amounts stay bigint centimes until the last step: only a bar's length on
 * screen becomes a float, never an amount a reader sees exactly.
 */
import type { ComponentChildren } from 'preact';
import type { MinorUnits } from '../core/money.js';
import { type Locale, numberFormat } from '../web/i18n.js';

/** "1,2 Md MAD", "MAD 1.2bn": an axis or bar label, where the exact amount is in the table. */
export function formatCompactMoney(amount: MinorUnits, locale: Locale): string {
  const format = numberFormat(locale, {
    style: 'currency',
    currency: 'MAD',
    notation: 'compact',
    minimumFractionDigits: 0,
    maximumFractionDigits: 1,
  });
  // Exact below 2^53 centimes, and a compact label is rounded anyway.
  return format.format(Number(amount) / 100);
}

export const formatCount = (count: number, locale: Locale) => numberFormat(locale).format(count);

/** "+3,2 %", "−1.0%", "—" without a base: always a sign, and a true minus (U+2212) as typographers write it. */
export function formatGrowth(percent: number | null, locale: Locale): string {
  if (percent === null) return '—';
  return numberFormat(locale, {
    style: 'percent',
    signDisplay: 'exceptZero',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  })
    .formatToParts(percent / 100)
    .map((part) => (part.type === 'minusSign' ? '−' : part.value))
    .join('');
}

// ——— Geometry (pure, tested in chart.test.ts) ———

/** Where a bar, a band or a segment starts along its axis, and how far it goes. */
export interface Span {
  start: number;
  length: number;
}

/**
 * The axis of a chart whose largest value is `max`: a round step (1, 2, 2.5 or 5 × 10^k dirhams)
 * giving at most `ticks` intervals, and the top, a whole number of steps not below `max`.
 */
export function niceScale(max: MinorUnits, ticks = 4): { top: MinorUnits; step: MinorUnits } {
  const wanted = max <= 0n ? 1n : ceilDiv(max, BigInt(ticks));
  const step = roundStep(wanted);
  return { top: (max <= 0n ? 1n : ceilDiv(max, step)) * step, step };
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** The smallest of 1, 2, 2.5, 5 × 10^k dirhams (in centimes) not below `wanted`. */
function roundStep(wanted: MinorUnits): MinorUnits {
  for (let power = 100n; ; power *= 10n) {
    const step = [power, 2n * power, (5n * power) / 2n, 5n * power].find((s) => s >= wanted);
    if (step !== undefined) return step;
  }
}

/** The values where the axis has a tick and a grid line: 0, step, 2 × step … top. */
export function tickValues(scale: { top: MinorUnits; step: MinorUnits }): MinorUnits[] {
  const values: MinorUnits[] = [];
  for (let value = 0n; value <= scale.top; value += scale.step) values.push(value);
  return values;
}

/** The largest of some amounts, 0 for none. */
export function largestOf(values: readonly MinorUnits[]): MinorUnits {
  // biome-ignore lint/complexity/useMathMinMax: Math.max takes no bigint.
  return values.reduce((max, value) => (value > max ? value : max), 0n);
}

const PRECISION = 1_000_000n;

/** How long `value` is drawn on an axis `length` long that ends at `top`; clamped to the axis. */
export function scaleLength(value: MinorUnits, top: MinorUnits, length: number): number {
  if (top <= 0n || value <= 0n) return 0;
  const clamped = value > top ? top : value;
  // The ratio is taken in bigint: a float of two large amounts would round before the division.
  return (Number((clamped * PRECISION) / top) / Number(PRECISION)) * length;
}

/**
 * Segments laid end to end from 0: each starts where the sum of those before it ends. Sums are kept
 * in bigint, so the last segment ends exactly where the total alone would.
 */
export function stackSpans(values: readonly MinorUnits[], top: MinorUnits, length: number): Span[] {
  let before = 0n;
  return values.map((value) => {
    const start = scaleLength(before, top, length);
    before += value;
    return { start, length: scaleLength(before, top, length) - start };
  });
}

/** `count` equal bands across `width`, each holding a bar `share` of the band wide, centred in it. */
export function bandSpans(count: number, width: number, share = 0.6): Span[] {
  if (count <= 0) return [];
  const band = width / count;
  const bar = band * share;
  return Array.from({ length: count }, (_, i) => ({ start: i * band + (band - bar) / 2, length: bar }));
}

// ——— Components ———

export interface ChartSegment {
  value: MinorUnits;
  /** Its colour, from tijara.css (`series-moroccan`, `series-foreign`, `series-all`). */
  className: string;
  /** What it counts, for the tooltip. */
  label: string;
}

export interface ChartColumn {
  key: string;
  /** The quarter's name on its first line under the bar, and its year on the second. */
  name: string;
  year: string;
  /** Bottom first; one segment draws an unsplit bar. */
  segments: ChartSegment[];
}

export interface ChartBar {
  key: string;
  label: string;
  value: MinorUnits;
}

interface ChartText {
  /** Prefix of the ids of the chart's title and description, unique in the page. */
  id: string;
  title: string;
  description: string;
  locale: Locale;
}

/** The accessible frame of a chart: an image named by its title, described by its description. */
function ChartFrame(props: ChartText & { width: number; height: number; children: ComponentChildren }) {
  const { id, width, height } = props;
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      class="chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-desc`}
      // Geometry is left to right in every language; the bidi algorithm still orders Arabic words.
      direction="ltr"
    >
      <title id={`${id}-title`}>{props.title}</title>
      <desc id={`${id}-desc`}>{props.description}</desc>
      {props.children}
    </svg>
  );
}

const COLUMNS = { width: 640, height: 300, left: 104, right: 8, top: 12, bottom: 44 };

/** Vertical bars, one per column, stacked from their segments, over a money axis with grid lines. */
export function ColumnChart(props: ChartText & { columns: ChartColumn[] }) {
  const { columns, locale } = props;
  const { width, height, left, right, top, bottom } = COLUMNS;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const baseline = top + plotHeight;
  const totals = columns.map((c) => c.segments.reduce((sum, s) => sum + s.value, 0n));
  const scale = niceScale(largestOf(totals));
  const bands = bandSpans(columns.length, plotWidth);
  return (
    <ChartFrame {...props} width={width} height={height}>
      <g class="chart-axis">
        {tickValues(scale).map((value) => {
          const y = baseline - scaleLength(value, scale.top, plotHeight);
          return (
            <g key={String(value)}>
              <line class="chart-grid" x1={left} x2={width - right} y1={y} y2={y} />
              <text x={left - 8} y={y} text-anchor="end" dominant-baseline="middle">
                {formatCompactMoney(value, locale)}
              </text>
            </g>
          );
        })}
      </g>
      {columns.map((column, i) => {
        const band = bands[i] ?? { start: 0, length: 0 };
        const x = left + band.start;
        const spans = stackSpans(
          column.segments.map((s) => s.value),
          scale.top,
          plotHeight,
        );
        return (
          <g key={column.key}>
            {column.segments.map((segment, j) => {
              const span = spans[j] ?? { start: 0, length: 0 };
              return (
                <rect
                  key={segment.className}
                  class={`chart-bar ${segment.className}`}
                  x={x}
                  y={baseline - span.start - span.length}
                  width={band.length}
                  height={span.length}
                >
                  <title>{`${column.name} ${column.year} · ${segment.label}`}</title>
                </rect>
              );
            })}
            <text x={x + band.length / 2} y={baseline + 16} text-anchor="middle">
              {column.name}
            </text>
            <text x={x + band.length / 2} y={baseline + 32} text-anchor="middle" class="chart-minor">
              {column.year}
            </text>
          </g>
        );
      })}
      <line class="chart-baseline" x1={left} x2={width - right} y1={baseline} y2={baseline} />
    </ChartFrame>
  );
}

const BARS = { width: 640, row: 44, valueRoom: 150 };

/** Horizontal bars, one per row, each with its label above and its amount after it. */
export function BarChart(props: ChartText & { bars: ChartBar[] }) {
  const { bars, locale } = props;
  const { width, row, valueRoom } = BARS;
  // The largest bar takes the whole length: there is no axis to round to.
  const largest = largestOf(bars.map((b) => b.value));
  const length = width - valueRoom;
  return (
    <ChartFrame {...props} width={width} height={bars.length * row + 4}>
      {bars.map((bar, i) => {
        const y = i * row;
        const barLength = scaleLength(bar.value, largest, length);
        return (
          <g key={bar.key}>
            <text x={0} y={y + 14}>
              {bar.label}
            </text>
            <rect class="chart-bar series-sector" x={0} y={y + 20} width={barLength} height={16} />
            <text x={barLength + 6} y={y + 28} dominant-baseline="middle" class="chart-minor">
              {formatCompactMoney(bar.value, locale)}
            </text>
          </g>
        );
      })}
    </ChartFrame>
  );
}
