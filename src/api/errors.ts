import type { ValidationIssue } from '../records/validate';
import { ReceiverError, type IngestError } from '../receiver/errors';

/**
 * An API request answered with an error status. Its JSON body names the bad query parameter, or
 * lists every problem of every record posted.
 */
export class ApiError extends ReceiverError {
  readonly parameter: string | null;
  readonly issues: readonly ValidationIssue[];

  constructor(
    status: number,
    message: string,
    options: { parameter?: string; issues?: readonly ValidationIssue[]; retryAfterSeconds?: number } = {},
  ) {
    super(status, message, { retryAfterSeconds: options.retryAfterSeconds });
    this.parameter = options.parameter ?? null;
    this.issues = options.issues ?? [];
  }

  /** A query or path parameter that cannot be read: 400, naming it. */
  static parameter(name: string, problem: string): ApiError {
    return new ApiError(400, `parameter ${name} ${problem}`, { parameter: name });
  }
}

/** The JSON body of an error answer: `{"error":{"message":…,"parameter":…,"issues":[…]}}`. */
export function errorBody(error: IngestError): string {
  const detail: Record<string, unknown> = { message: error.message };
  if (error instanceof ApiError && error.parameter !== null) detail.parameter = error.parameter;
  if (error instanceof ApiError && error.issues.length > 0) detail.issues = error.issues;
  return JSON.stringify({ error: detail });
}
