import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ReviewLinkSettings } from '../journeys/review-links.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import type { Mailer } from '../mail/create-transport.ts';

// What route modules need from the server, apart from the server itself (no import cycle).

export interface ApiDependencies {
  db: Kysely<Database>;
  temporal: Client;
  config: Config;
  reviewLinks: ReviewLinkSettings;
  /** Sends sign-in links; by default the configured transport (SMTP, or the outbox), closed with the server. */
  mailer?: Mailer;
  /** A pino logger (see api-logger.ts), or false for no logs (tests). Defaults to info on stdout. */
  logger?: Logger | false;
}

export type ApiApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** The largest JSON body any route takes unless it says otherwise (bulk routes raise it). */
export const DEFAULT_BODY_LIMIT = 1_048_576;
