import { Type } from 'typebox';

/** The schema's values, or null. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** An instant as the API writes it: ISO 8601 in UTC. */
export const DateTime = Type.String({ format: 'date-time' });
