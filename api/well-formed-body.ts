import type { FastifyRequest } from 'fastify';
import { withWellFormedText } from '../db/well-formed-text.ts';

/** preValidation: a parsed JSON body with every unpaired surrogate as U+FFFD (see db/well-formed-text.ts), before any handler stores it. */
export async function makeBodyTextWellFormed(request: FastifyRequest): Promise<void> {
  if (typeof request.body === 'object' && request.body !== null && !Buffer.isBuffer(request.body)) request.body = withWellFormedText(request.body);
}
