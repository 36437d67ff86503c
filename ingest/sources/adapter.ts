import { z } from 'zod';
import type { RejectionIssue } from '../../db/tables/rejected-responses.ts';
import type { FieldPaths, ResponseCandidate } from '../response-shape.ts';

/** What one webhook payload turned out to be. */
export type AdapterOutcome =
  | { kind: 'response'; candidate: ResponseCandidate; paths: FieldPaths; eventId: string | null; isUpdate: boolean }
  /** A well-formed payload that carries no score, e.g. an unsubscribe, a dismissal, a CSAT survey. */
  | { kind: 'ignored'; reason: string; eventId: string | null }
  /** The payload is not even shaped like the vendor's. */
  | { kind: 'invalid'; issues: RejectionIssue[]; eventId: string | null };

export interface SourceAdapter<Options = void> {
  source: string;
  parse(payload: unknown, options: Options): AdapterOutcome;
}

/** Names the payload itself when the problem is the whole body, not one of its fields. */
export const PAYLOAD_ROOT_PATH = '(payload)';

/** Formats a path the way the vendor documents it: `event_data.person.email`, `responses[3].score`. */
export function formatPayloadPath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? String(segment) : `.${String(segment)}`;
  }
  return path === '' ? PAYLOAD_ROOT_PATH : path;
}

/**
 * Turns an envelope schema's failure into an `invalid` outcome naming each payload path;
 * `basePath` places a schema that was run on part of the payload, e.g. one item of a batch.
 */
export function invalidPayload(
  error: z.ZodError,
  eventId: string | null,
  basePath: readonly PropertyKey[] = [],
): AdapterOutcome {
  const issues = error.issues.map((issue) => ({
    path: formatPayloadPath([...basePath, ...issue.path]),
    message: issue.message,
  }));
  return { kind: 'invalid', issues, eventId };
}

/** An id-like value as text: vendors send ids as strings or numbers. */
export function idText(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Error for a container field (an object the adapter must look inside). */
export const objectError = (issue: { input?: unknown }): string =>
  issue.input === undefined ? 'is required' : 'must be an object';

/** Error for a text field the adapter branches on, such as an event type. */
export const textError = (issue: { input?: unknown }): string =>
  issue.input === undefined ? 'is required' : 'must be text';

/** A field handed to normalisation as it is, present or not: the adapter does not judge its value. */
export const fieldValue = z.unknown().optional();
