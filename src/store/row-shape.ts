/** A column of a statement's result as the server describes it. */
export interface ColumnDescription {
  name: string;
  dataTypeID: number;
}

export type TextParser = (text: string) => unknown;

/**
 * The columns a prepared statement returns, each with its type's parser: learnt from the statement's
 * first run, so that later runs need not ask the server to describe them again (a Describe a
 * statement, and on the client a parser looked up per column, for every run).
 */
export class RowShape {
  private constructor(
    readonly names: readonly string[],
    readonly parsers: readonly TextParser[],
  ) {}

  static of(columns: readonly ColumnDescription[], parserFor: (dataTypeID: number) => TextParser): RowShape {
    return new RowShape(
      columns.map((column) => column.name),
      columns.map((column) => parserFor(column.dataTypeID)),
    );
  }

  /** One row as an object, each value parsed by its column's type (null stays null). */
  row(values: readonly (string | null)[]): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    const { names, parsers } = this;
    for (let i = 0; i < names.length; i++) {
      const text = values[i];
      row[names[i] as string] = text === null || text === undefined ? null : (parsers[i] as TextParser)(text);
    }
    return row;
  }
}

/**
 * What a connection knows of its prepared statements' results, by statement name: a shape, or null for
 * a statement that returns no rows. A statement not known (or unnamed, parsed anew each run) is
 * described by the server as it runs.
 */
export class RowShapes {
  readonly #byName = new Map<string, RowShape | null>();

  /** The shape to run a statement with, or undefined when the server must describe it this time. */
  get(name: string): RowShape | null | undefined {
    return name === '' ? undefined : this.#byName.get(name);
  }

  learn(name: string, shape: RowShape | null): void {
    if (name !== '') this.#byName.set(name, shape);
  }

  forget(name: string): void {
    this.#byName.delete(name);
  }
}

/** A CommandComplete tag ("INSERT 0 3", "UPDATE 2", "SELECT 5", "BEGIN"): its command, and its count. */
export function readCommandTag(tag: string): { command: string; rowCount: number | null } {
  const words = tag.split(' ');
  return { command: words[0] ?? '', rowCount: words.length > 1 ? Number(words.at(-1)) : null };
}

/** Whether a command's count is of the rows it changed (a SELECT's is of the rows it returned). */
export function changesRows(command: string | undefined): boolean {
  return command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
}
