import type { ComponentChildren, VNode } from 'preact';
import type { Problem } from '../core/problem.js';
import { formOnce } from '../payments/idempotency.js';
import { formatMoroccanTime, type Locale } from '../web/i18n.js';
import { consoleMessages } from './messages.js';

/** A moment as the console shows it: UTC to the second, machine-readable in `datetime`. */
export function When(props: { at: Date }) {
  return (
    <time dateTime={props.at.toISOString()}>{props.at.toISOString().slice(0, 19).replace('T', ' ')}</time>
  );
}

/** A moment in the page language, as the clocks in Morocco show it; machine-readable in `datetime`. */
export function Moment(props: { at: Date; locale: Locale }) {
  const text = formatMoroccanTime(props.at, props.locale, { dateStyle: 'medium', timeStyle: 'medium' });
  return <time dateTime={props.at.toISOString()}>{text}</time>;
}

/** One term of a summary list; `id` and `data-*` attributes go on its description, where tests read them. */
export function Entry({
  term,
  children,
  ...description
}: {
  term: string;
  children: ComponentChildren;
  id?: string;
  [data: `data-${string}`]: string;
}) {
  return (
    <div>
      <dt>{term}</dt>
      <dd {...description}>{children}</dd>
    </div>
  );
}

/**
 * The hidden fields of a console form: the CSRF token; with `once`, a one-time token too (formOnce), so
 * that a form sent twice (a double click, a refresh) acts once.
 */
export function FormTokens(props: { csrf: string; once?: boolean }) {
  return (
    <>
      <input type="hidden" name="csrf" value={props.csrf} />
      {props.once ? <input type="hidden" name="once" value={formOnce.issue()} /> : null}
    </>
  );
}

/** A form that is one button: an action on one thing (disable, revoke, release), with its tokens. */
export function PostButton(props: { action: string; csrf: string; label: string; once?: boolean }) {
  return (
    <form method="post" action={props.action}>
      <FormTokens csrf={props.csrf} once={props.once} />
      <button type="submit">{props.label}</button>
    </form>
  );
}

/** Why the service refused an action (read out at once by screen readers), with the way back. */
export function Refusal(props: { problem: Problem; text: string; back: string; backLabel: string }) {
  return (
    <>
      <p id="refusal" role="alert" data-code={props.problem.code}>
        {props.text}
      </p>
      <p>
        <a href={props.back}>{props.backLabel}</a>
      </p>
    </>
  );
}

/** A list's filter: one choice (a status) and any fields given after it; a GET form that works without JavaScript. */
export function ChoiceFilter<V extends string>(props: {
  action: string;
  locale: Locale;
  /** The query parameter, and the select's id. */
  name: string;
  label: string;
  choices: readonly { value: V; label: string }[];
  chosen: V;
  submit: string;
  /** More fields of the filter (the test / live choice). */
  children?: ComponentChildren;
}) {
  return (
    <form method="get" action={props.action} class="filters">
      <input type="hidden" name="lang" value={props.locale} />
      <div class="field">
        <label for={props.name}>{props.label}</label>
        <select id={props.name} name={props.name}>
          {props.choices.map(({ value, label }) => (
            <option value={value} selected={value === props.chosen} key={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {props.children}
      <button type="submit">{props.submit}</button>
    </form>
  );
}

/** The rows under their column headings, or one sentence when there is none. */
export function Table<T>(props: {
  rows: readonly T[];
  headings: string[];
  empty: string;
  id?: string;
  row: (item: T) => VNode;
}) {
  if (props.rows.length === 0) return <p>{props.empty}</p>;
  return (
    <table id={props.id}>
      <thead>
        <tr>
          {props.headings.map((heading) => (
            <th scope="col" key={heading}>
              {heading}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.rows.map(props.row)}</tbody>
    </table>
  );
}

/** The test / live choice of a filter form (the field is `mode`). */
export function ModeSelect(props: { locale: Locale; livemode: boolean }) {
  const t = consoleMessages(props.locale);
  return (
    <div class="field">
      <label for="mode">{t.mode}</label>
      <select id="mode" name="mode">
        <option value="test" selected={!props.livemode}>
          {t.test}
        </option>
        <option value="live" selected={props.livemode}>
          {t.live}
        </option>
      </select>
    </div>
  );
}

/** The status a list's query asks for (`?status=`), one of `statuses`; `fallback` when it names none of them. */
export function statusAsked<V extends string>(query: unknown, statuses: readonly V[], fallback: V): V {
  const asked = (query as { status?: unknown } | undefined)?.status;
  return statuses.find((status) => status === asked) ?? fallback;
}

/** A list's filter by status, each choice named in the module's catalogue as `status_<value>`. */
export function StatusFilter<V extends string>(props: {
  action: string;
  locale: Locale;
  t: { filterStatus: string; show: string } & Record<`status_${NoInfer<V>}`, string>;
  statuses: readonly V[];
  chosen: V;
  /** More fields of the same form (a test / live choice). */
  children?: ComponentChildren;
}) {
  const { t } = props;
  return (
    <ChoiceFilter
      action={props.action}
      locale={props.locale}
      name="status"
      label={t.filterStatus}
      choices={props.statuses.map((value) => ({ value, label: t[`status_${value}` as const] as string }))}
      chosen={props.chosen}
      submit={t.show}
    >
      {props.children}
    </ChoiceFilter>
  );
}
