import type { VNode } from 'preact';
import type { Locale } from '../web/i18n.js';
import { consoleMessages } from './messages.js';

/** A moment as the console shows it: UTC to the second, machine-readable in `datetime`. */
export function When(props: { at: Date }) {
  return (
    <time dateTime={props.at.toISOString()}>{props.at.toISOString().slice(0, 19).replace('T', ' ')}</time>
  );
}

/** A form that is one button: an action on one thing (disable, revoke, release), with the CSRF token. */
export function PostButton(props: { action: string; csrf: string; label: string }) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit">{props.label}</button>
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
