import type { z } from 'zod';

import { ackError, type AckError } from './ack.js';
import { ErrorCode, isErrorCode } from './errors.js';

export type ParseResult<T> = { ok: true; data: T } | AckError;

/**
 * Parses an untrusted payload with a protocol schema. A failure becomes an {@link AckError}
 * carrying the first problem's code (our own codes from the schema's refinements, otherwise
 * `invalid_payload`) and a short readable message; zod's internals never leak to clients.
 */
export function parsePayload<S extends z.ZodType>(
  schema: S,
  input: unknown,
): ParseResult<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) {
    return { ok: true, data: result.data };
  }
  const issue = result.error.issues[0];
  const params =
    issue && 'params' in issue ? (issue.params as { code?: unknown } | undefined) : undefined;
  if (issue && isErrorCode(params?.code)) {
    return ackError(params.code, issue.message);
  }
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return ackError(ErrorCode.InvalidPayload, `Invalid request (${where}${describeIssue(issue)}).`);
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) {
    return 'unknown problem';
  }
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'unrecognized_keys':
      return 'unexpected fields';
    default:
      return 'not valid';
  }
}
