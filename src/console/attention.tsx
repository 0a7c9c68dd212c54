import type { Permission } from '../auth/permissions.js';
import type { Locale } from '../web/i18n.js';
import { numberFormat } from '../web/i18n.js';

/**
 * Something that waits for people of the authority or a bank, as the console's home counts it: each
 * module says what of its own waits (files to review, alerts, sites down, requests overdue), for whom
 * (a permission) and where it is acted on. The home shows a person what their permissions reach.
 */
export interface AttentionItem {
  id: string;
  permission: Permission;
  /** How many wait now; `COUNT_LIMIT` or more reads as "at least". */
  count(): Promise<number>;
  /** What waits, in words, for a count above zero. */
  label(locale: Locale, count: string): string;
  /** The page where it is acted on. */
  href: string;
}

/** Items are counted from lists read up to this many rows: the home says "1,000+" beyond. */
export const COUNT_LIMIT = 1_000;

export interface CountedItem {
  item: AttentionItem;
  count: number;
}

const shown = (count: number, locale: Locale) =>
  `${numberFormat(locale).format(Math.min(count, COUNT_LIMIT))}${count >= COUNT_LIMIT ? '+' : ''}`;

/** The home's list: what waits first, each a link to where it is acted on; then that nothing else does. */
export function AttentionList(props: { locale: Locale; counted: CountedItem[]; nothing: string }) {
  const { locale } = props;
  const waiting = props.counted.filter((c) => c.count > 0);
  if (waiting.length === 0) return <p id="nothing-waits">{props.nothing}</p>;
  return (
    <ul id="attention" class="attention">
      {waiting.map(({ item, count }) => (
        <li key={item.id} data-item={item.id} data-count={String(count)}>
          <a href={`${item.href}?lang=${locale}`}>{item.label(locale, shown(count, locale))}</a>
        </li>
      ))}
    </ul>
  );
}
