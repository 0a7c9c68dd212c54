import { CompiledQuery } from 'kysely';
import { type ElementType, elementTypes, TypedArray, type TypeRow } from './binary-arrays.js';
import type { PipeliningConnection } from './pipeline.js';

/**
 * Held writes of one kind written as one statement over arrays: each value that was a parameter of
 * one write becomes an array of that value over all of them, unnested into rows. A group's held
 * writes (group-commit.ts) are written this way, so that their statement's text depends on which
 * kinds of writes its members made, not on how many members it has: PostgreSQL prepares and plans a
 * handful of statements per connection instead of one per group size (planned five times each
 * before it keeps a generic plan), and starts one insert, update or insert-select a kind instead of
 * one a member (docs/performance.md, "A group's writes over arrays").
 *
 * An array parameter needs its element type written out (`$1::text[]`): PostgreSQL cannot infer it
 * through unnest. Inserts and updates take it from their columns (ColumnTypes); an insert whose rows
 * a SELECT gives names its parameters' types itself (writeAtCommit's `parameterTypes`). Knowing the
 * element types, the arrays go in binary where their values allow (binary-arrays.ts).
 */

/** What a held write is made of, as far as writing several of its kind over arrays needs. */
export type Template =
  /** `insert into "t" (columns) values (values)`: each value `$n` (in order) or a parameterless expression. */
  | { kind: 'insert'; table: string; columns: readonly string[]; values: readonly string[] }
  /** `update "t" set columns = values where keys = $n …`: the keys' parameters after the values'. */
  | {
      kind: 'update';
      table: string;
      columns: readonly string[];
      values: readonly string[];
      keys: readonly string[];
    }
  /** `<head>select …`, its parameters of these types in order. */
  | { kind: 'select'; head: string; parameterTypes: readonly string[] };

/** A statement over arrays: its text, and each parameter's element type where it has a binary form. */
export interface OverArrays {
  text: string;
  elements: readonly (ElementType | undefined)[];
}

/**
 * Each table's columns with their types as a cast writes them, without a type modifier: a value cast
 * to varchar(20) would be cut to length where its assignment to the column fails, as it should. For
 * the same reason char(n) is cast to bpchar and bit(n) to varbit: `character` alone means char(1).
 * Array columns are left out (unnest would flatten them), and so is any write to them.
 */
export class ColumnTypes {
  /** Each statement over arrays, by its one-write text. */
  readonly #texts = new Map<string, OverArrays>();
  /** Tables (or table.column) asked for that were not there: one created since is learnt by loading again. */
  readonly missing = new Set<string>();

  constructor(
    private readonly byTable: ReadonlyMap<string, ReadonlyMap<string, string>>,
    /** Element types by the name a cast gives them (binary-arrays.ts). */
    private readonly elements: ReadonlyMap<string, ElementType>,
  ) {}

  static readonly QUERY = CompiledQuery.raw(
    `select c.relname as "table", a.attname as "column",
       case a.atttypid when 'bpchar'::regtype then 'bpchar' when 'bit'::regtype then 'varbit'
         else format_type(a.atttypid, null) end as "type",
       t.typcategory = 'A' as "isArray"
     from pg_attribute a
     join pg_class c on c.oid = a.attrelid
     join pg_type t on t.oid = a.atttypid
     where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
       and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
       and pg_table_is_visible(c.oid)`,
    [],
  );

  /**
   * The types a column or a cast may name, with what binary-arrays.ts needs of each. OIDs come back
   * as float8, a plain number, where int8 would be parsed into a bigint by this store.
   */
  static readonly TYPES_QUERY = CompiledQuery.raw(
    `select format_type(t.oid, null) as "name", t.oid::int8::float8 as "oid", t.typtype as "kind",
       t.typbasetype::int8::float8 as "base"
     from pg_type t
     where t.typcategory <> 'A' and t.typtype in ('b', 'd', 'e') and pg_type_is_visible(t.oid)`,
    [],
  );

  /** The column types of the tables a statement naming them unqualified would write. */
  static async load(connection: Pick<PipeliningConnection, 'executeQuery'>): Promise<ColumnTypes> {
    const types = await connection.executeQuery<TypeRow>(ColumnTypes.TYPES_QUERY);
    const { rows } = await connection.executeQuery<{
      table: string;
      column: string;
      type: string;
      isArray: boolean;
    }>(ColumnTypes.QUERY);
    const byTable = new Map<string, Map<string, string>>();
    for (const { table, column, type, isArray } of rows) {
      let columns = byTable.get(table);
      if (!columns) {
        columns = new Map();
        byTable.set(table, columns);
      }
      if (!isArray) columns.set(column, type);
    }
    return new ColumnTypes(byTable, elementTypes(types.rows));
  }

  /** The type of each column, or undefined (noted as missing when the table is) if one is unknown. */
  typesOf(table: string, columns: readonly string[]): string[] | undefined {
    const known = this.byTable.get(table);
    if (!known) {
      this.missing.add(table);
      return undefined;
    }
    const types: string[] = [];
    for (const column of columns) {
      const type = known.get(column);
      if (type === undefined) {
        // A column added since, or an array column: read once more, it stays unknown if it is one.
        this.missing.add(`${table}.${column}`);
        return undefined;
      }
      types.push(type);
    }
    return types;
  }

  /**
   * The statement over arrays of a write of this template, or undefined when a type is unknown. Made
   * once per one-write text: writes with equal texts have equal templates (holdInsert, holdUpdate).
   */
  overArraysOf(sql: string, template: Template): OverArrays | undefined {
    let statement = this.#texts.get(sql);
    if (statement === undefined) {
      const typed = typedText(sql, template, this);
      if (typed === undefined) return undefined;
      // Only types with a binary form are worth a TypedArray: the others go as plain arrays.
      const elements = typed.types.map((type) => {
        const element = this.elements.get(type);
        return element?.encoding ? element : undefined;
      });
      statement = { text: typed.text, elements };
      this.#texts.set(sql, statement);
    }
    return statement;
  }
}

/**
 * Sent in the same pipeline just before held writes over arrays that find rows (an update joined to
 * its arrays, an insert whose rows a select gives), when COMMIT follows them: the settings last until
 * it. Such a statement is prepared, and its plan is kept: one made while a table was small (a new
 * database; PGlite, which never analyzes) joined the arrays to the whole table by a hash, and every
 * confirmation group read all of the payments (docs/performance.md, "Plans that read every payment").
 * With scans and hash or merge joins priced out, each row is found by its key, at any size.
 */
export const KEYED_PLANS = CompiledQuery.raw(
  "select set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), " +
    "set_config('enable_mergejoin', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)",
);

/** Whether a write of this template finds the rows it writes, or reads, by joining its arrays. */
export function findsRows(template: Template | undefined): boolean {
  return template !== undefined && template.kind !== 'insert';
}

/**
 * Writes of one text (and so one template) as one statement over arrays, in the order given: each
 * array typed where its element type is known, so that it can go in binary.
 */
export function overArrays({ text, elements }: OverArrays, writes: readonly CompiledQuery[]): CompiledQuery {
  const count = writes[0]!.parameters.length;
  const arrays: unknown[][] = [];
  for (let i = 0; i < count; i++) arrays.push(new Array(writes.length));
  for (const [row, write] of writes.entries())
    for (let i = 0; i < count; i++) arrays[i]![row] = write.parameters[i];
  const parameters = arrays.map((values, i) => {
    const type = elements[i];
    return type ? new TypedArray(type, values) : values;
  });
  return CompiledQuery.raw(text, parameters);
}

const ROW = 'held_row';
const PARAMETER = /^\$\d+$/;
const column = (n: number) => `${ROW}.held_${n}`;

/** `unnest($1::t1[], …) as held_row(held_1, …)`, one array per parameter. */
function unnestOf(types: readonly string[]): string {
  const arrays = types.map((type, i) => `$${i + 1}::${type}[]`);
  const names = types.map((_, i) => `held_${i + 1}`);
  return `unnest(${arrays.join(', ')}) as ${ROW}(${names.join(', ')})`;
}

/** The values' texts with each `$n` read from the unnested rows instead; the parameters' columns. */
function fromRows(values: readonly string[]): { values: string[]; parameterColumns: number[] } {
  const parameterColumns: number[] = [];
  const read = values.map((value, i) => {
    if (!PARAMETER.test(value)) return value;
    parameterColumns.push(i);
    return column(parameterColumns.length);
  });
  return { values: read, parameterColumns };
}

/** The text over arrays of a write of this template, with its array parameters' element types. */
function typedText(
  sql: string,
  template: Template,
  types: ColumnTypes,
): { text: string; types: readonly string[] } | undefined {
  // Rows of no parameters would be as many as there are writes: not worth a form of their own.
  if (!/\$\d/.test(sql)) return undefined;
  switch (template.kind) {
    case 'insert': {
      const { values, parameterColumns } = fromRows(template.values);
      const columnTypes = types.typesOf(
        template.table,
        parameterColumns.map((i) => template.columns[i]!),
      );
      if (!columnTypes) return undefined;
      const head = sql.slice(0, sql.indexOf(' values '));
      return {
        text: `${head} select ${values.join(', ')} from ${unnestOf(columnTypes)}`,
        types: columnTypes,
      };
    }
    case 'update': {
      const { values, parameterColumns } = fromRows(template.values);
      const columnTypes = types.typesOf(template.table, [
        ...parameterColumns.map((i) => template.columns[i]!),
        ...template.keys,
      ]);
      if (!columnTypes) return undefined;
      const table = `"${template.table}"`;
      const set = template.columns.map((name, i) => `"${name}" = ${values[i]}`);
      const where = template.keys.map(
        (key, i) => `${table}."${key}" = ${column(parameterColumns.length + i + 1)}`,
      );
      return {
        text: `update ${table} set ${set.join(', ')} from ${unnestOf(columnTypes)} where ${where.join(' and ')}`,
        types: columnTypes,
      };
    }
    case 'select': {
      const select = replaceParameters(sql.slice(template.head.length), column);
      return {
        text: `${template.head}select held_select.* from ${unnestOf(template.parameterTypes)} cross join lateral (${select}) as held_select`,
        types: template.parameterTypes,
      };
    }
  }
}

/**
 * `text` with each `$n` replaced by `replace(n)`. Safe for the texts held writes have (Kysely's, or
 * holdInsert's and holdUpdate's): every value is a `$n` parameter and identifiers are lower-case
 * names, so "$" followed by digits is never anything else. A scan rather than a replace with a
 * callback: a group's commit renumbers every held write, and that was four times slower.
 */
export function replaceParameters(text: string, replace: (n: number) => string): string {
  let replaced = '';
  let copiedTo = 0;
  for (let dollar = text.indexOf('$'); dollar !== -1; dollar = text.indexOf('$', dollar + 1)) {
    let end = dollar + 1;
    let n = 0;
    for (let digit = text.charCodeAt(end) - 48; digit >= 0 && digit <= 9; digit = text.charCodeAt(end) - 48) {
      n = n * 10 + digit;
      end++;
    }
    if (end === dollar + 1) continue;
    replaced += `${text.slice(copiedTo, dollar)}${replace(n)}`;
    copiedTo = end;
  }
  return replaced + text.slice(copiedTo);
}
