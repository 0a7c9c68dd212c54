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
  // A stack rather than recursion: a body may nest as deep as its megabyte allows.
  const pending: Pending[] = [{ value, key: root, parent: undefined }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const item = next.value;
    if (typeof item === 'string') {
      if (item.includes('\0')) return { field: pathOf(next), message: NUL };
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item)) return { field: pathOf(next), message: NOT_FINITE };
    } else if (Array.isArray(item)) {
      for (const [index, element] of item.entries())
        pending.push({ value: element, key: String(index), parent: next });
    } else if (isPlainObject(item)) {
      for (const [key, field] of Object.entries(item)) {
        if (key.includes('\0')) return { field: pathOf(next), message: NUL };
        pending.push({ value: field, key, parent: next });
      }
    }
  }
  return undefined;
}

function pathOf(found: Pending): string {
  const keys: string[] = [];
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
