// The two pieces of pg that its own pg-cursor builds on, which @types/pg does not describe.

declare module 'pg/lib/utils.js' {
  /** A parameter as pg sends it: null, a Buffer or text (dates, arrays and objects converted as pg does). */
  export function prepareValue(value: unknown): string | Buffer | null;
}

declare module 'pg/lib/result.js' {
  import type { CustomTypesConfig, FieldDef } from 'pg';

  /** One statement's result, built from its protocol messages as pg's own queries build theirs. */
  export default class Result {
    constructor(rowMode: 'array' | undefined, types: CustomTypesConfig);
    command: string | null;
    rowCount: number | null;
    rows: Record<string, unknown>[];
    addFields(fields: FieldDef[]): void;
    parseRow(values: (string | null)[]): Record<string, unknown>;
    addRow(row: Record<string, unknown>): void;
    addCommandComplete(message: { text: string }): void;
  }
}
