/**
 * An RFC 9457 problem: the one shape every error takes on the wire.
 * `code` is stable and machine-readable; `title` and `detail` are for people.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'Problem';
  }

  toJSON(instance?: string): ProblemDetails {
    return {
      type: `https://tijara.ma/problems/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(instance === undefined ? {} : { instance }),
      ...this.extensions,
    };
  }
}

export const problems = {
  notFound: (what: string) => new Problem(404, 'not_found', 'Not found', `${what} does not exist`),
  badRequest: (detail: string, extensions?: Record<string, unknown>) =>
    new Problem(400, 'invalid_request', 'Invalid request', detail, extensions),
  conflict: (code: string, detail: string) => new Problem(409, code, 'Conflict', detail),
};
