// Values a request can carry that no column can take. PostgreSQL's text and jsonb cannot hold U+0000
// (`"\u0000"` in JSON, `%00` in a query string, a path or a form), and a number too large to be finite
// (`?limit=1e400`, which the schemas' coercion of text turns into Infinity and lets through:
// ajv-validator/ajv#2212) is no amount or count at all. Either failed deep in a request, as a 500
// after its work had begun. They are refused up front instead, whatever the route, naming the field.

/** A value still to look at, and how it was reached: the path is spelled out only for what is found. */
interface Pending {
  value: unknown;
  key: string;
  parent: Pending | undefined;
}

export interface UnstorableValue {
  field: string;
  message: string;
}

const NUL = 'must not contain the NUL character (U+0000)';
const NOT_FINITE = 'must be a finite number';

// A field named in a problem is cut here: a body nested thousands deep is not echoed back whole.
const MAX_PATH_LENGTH = 200;

/** The first field of `value` that no column can take, as `<root>.a.b`, and why; else undefined. */
export function unstorableValueAt(value: unknown, root: string): UnstorableValue | undefined {
  const alone = problemOf(value);
  if (alone) return { field: root, message: alone };
  if (value === null || typeof value !== 'object') return undefined;
  // A stack rather than recursion: a body may nest as deep as its megabyte allows. Only objects and
  // arrays go on it; a request's strings and numbers are looked at where they lie (every request
  // passes here: a payment's two requests cost about 2 µs).
  const pending: Pending[] = [{ value, key: root, parent: undefined }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const item = next.value as Record<string, unknown>;
    if (!Array.isArray(item) && !isPlainObject(item)) continue;
    for (const key in item) {
      if (key.includes('\0')) return { field: pathOf(next), message: NUL };
      const field = item[key];
      const problem = problemOf(field);
      if (problem) return { field: pathOf(next, key), message: problem };
      if (field !== null && typeof field === 'object') pending.push({ value: field, key, parent: next });
    }
  }
  return undefined;
}

function problemOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? NUL : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : NOT_FINITE;
  return undefined;
}

function pathOf(found: Pending, lastKey?: string): string {
  const keys = lastKey === undefined ? [] : [lastKey];
  for (let at: Pending | undefined = found; at; at = at.parent) keys.push(at.key);
  const path = keys.reverse().join('.');
  return path.length > MAX_PATH_LENGTH ? `${path.slice(0, MAX_PATH_LENGTH)}…` : path;
}

// Only what a parser builds: JSON gives plain objects, the query string parser objects whose
// prototype has none (fast-querystring's `Empty`); anything else (a Buffer, a multipart stream) is not
// a value to look into.
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}
