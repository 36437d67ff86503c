import { z } from 'zod';

/** Every error the API sends has this shape; `code` is stable, `message` is for people. */
export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      requestId: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorIssue = { path: string; message: string };

/** A failure the client can act on: thrown by handlers, sent as `{ error: { code, message, issues } }`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: ErrorIssue[],
    /** Sent as `Retry-After`: the failure is temporary, and this is when to try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} was not found`);

/** A database restart or failover takes seconds; senders that honour Retry-After come back then. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The database could not be reached, or the connection dropped under the request. */
export const databaseUnavailable = (
  message = 'the database is unavailable (unreachable, or the connection dropped under this request): nothing was half-written; send the request again shortly',
) => new ApiError(503, 'database_unavailable', message, undefined, DATABASE_RETRY_AFTER_SECONDS);
