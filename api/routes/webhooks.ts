import type { SwaggerTransform } from '@fastify/swagger';
import { jsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type SourceName, sourceAdapters } from '../../ingest/sources/index.ts';
import { ApiError, errorResponseSchema } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { npsSettingsOf } from '../../config/nps-settings.ts';
import { type ApiApp, type ApiDependencies, DEFAULT_BODY_LIMIT } from '../api-app.ts';
import { webhookBodySchemas } from '../schemas/webhook-bodies.ts';
import { deliveryEventId } from '../webhooks/delivery-event-id.ts';
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPE, type RawDelivery, parseDeliveryBody } from '../webhooks/parse-delivery.ts';
import { invalidDeliveryError, receiveWebhook, webhookResultSchema } from '../webhooks/receive-webhook.ts';
import { refuseSendersOutside } from '../webhooks/allowed-sender-addresses.ts';
import { STANDARD_WEBHOOKS_TOLERANCE_SECONDS, verifyDelivery } from '../webhooks/verify-signature.ts';
import { BODY_SECRET_FIELD, type BodySecret, SHARED_SECRET_HEADER, takeBodySecret } from '../webhooks/verify-shared-secret.ts';

/** One delivery is one event (a generic batch holds at most 1,000 responses): 1 MB is plenty. */
const WEBHOOK_BODY_LIMIT = DEFAULT_BODY_LIMIT;

/** Set on the answer to a delivery of an event that had been received before. */
const REPLAYED_HEADER = 'x-npsloop-replayed';

const optionalHeader = (description: string) => z.string().optional().describe(description);

/** What each source sends: its media types and the headers its deliveries are checked with. */
const webhookSources: Record<SourceName, { summary: string; mediaTypes: RawDelivery['mediaType'][]; headers: Record<string, z.ZodType> }> = {
  delighted: {
    summary: 'Delighted survey response events',
    mediaTypes: [JSON_MEDIA_TYPE],
    headers: { 'x-delighted-webhook-signature': optionalHeader('sha256=<hex HMAC-SHA256 of the raw body>') },
  },
  wootric: {
    summary: 'Wootric / InMoment responses, JSON or form-encoded',
    mediaTypes: [JSON_MEDIA_TYPE, FORM_MEDIA_TYPE],
    headers: { 'x-wootric-signature': optionalHeader('sha1=<hex HMAC-SHA1 of the raw body>') },
  },
  asknicely: {
    summary: 'AskNicely responses',
    mediaTypes: [JSON_MEDIA_TYPE],
    headers: {
      [SHARED_SECRET_HEADER]: optionalHeader('the shared secret, set up as a custom header in AskNicely'),
      authorization: optionalHeader('Bearer <API token>, or Basic credentials whose password is the shared secret (the token then goes in the query)'),
    },
  },
  retently: {
    summary: 'Retently feedback, through the configured field mapping',
    mediaTypes: [JSON_MEDIA_TYPE],
    headers: {
      [SHARED_SECRET_HEADER]: optionalHeader(`the shared secret, set up as a custom header in Retently (or in the body's ${BODY_SECRET_FIELD} field)`),
      authorization: optionalHeader('Bearer <API token>, or Basic credentials whose password is the shared secret (the token then goes in the query)'),
    },
  },
  generic: {
    summary: "npsloop's generic JSON: one response, a list of them or { responses: [...] }, signed as Standard Webhooks",
    mediaTypes: [JSON_MEDIA_TYPE],
    headers: {
      'webhook-id': optionalHeader('the event id; a replayed id changes nothing'),
      'webhook-timestamp': optionalHeader(`unix seconds; refused when more than ${STANDARD_WEBHOOKS_TOLERANCE_SECONDS} s from this server's clock`),
      'webhook-signature': optionalHeader('space-separated v1,<base64 HMAC-SHA256 of "id.timestamp.body">'),
    },
  },
};

/**
 * `POST /webhooks/<source>` for each survey tool. A delivery is verified on its raw bytes, then
 * stored with its event's record in one transaction, and answered 202 once that has committed, or
 * 422 when nothing in it could be stored.
 */
export function registerWebhookRoutes(app: ApiApp, deps: ApiDependencies): void {
  for (const source of Object.keys(sourceAdapters) as SourceName[]) {
    const spec = webhookSources[source];
    void app.register(async (plugin) => {
      const allowedSenders = deps.config.webhookAllowedAddresses[source];
      if (allowedSenders) plugin.addHook('onRequest', refuseSendersOutside(source, allowedSenders));
      // Encapsulated: only this route keeps the raw body, which is what the signature covers.
      plugin.removeAllContentTypeParsers();
      for (const mediaType of spec.mediaTypes) {
        plugin.addContentTypeParser(mediaType, { parseAs: 'buffer' }, (_request, raw, done) => done(null, { mediaType, raw: raw as Buffer } satisfies RawDelivery));
      }
      plugin.withTypeProvider<ZodTypeProvider>().post(
        `/webhooks/${source}`,
        {
          config: { access: rolesAllowed('ingest', 'admin'), swaggerTransform: documentingBody(webhookBodySchemas[source]) },
          bodyLimit: WEBHOOK_BODY_LIMIT,
          schema: {
            tags: ['webhooks'],
            summary: spec.summary,
            description:
              'The API token goes in the Authorization header or, for senders that can only be given a URL, the `token` query parameter. ' +
              'Answered 202 once the delivery is stored (a response from a user not synced yet waits in the rejection log and counts as stored); ' +
              '422 `invalid_payload` when every response in it is invalid, with each issue at its field path (the delivery is recorded, and the rejection log keeps it). ' +
              `A replayed event gets the first answer again with \`${REPLAYED_HEADER}: true\`.`,
            consumes: spec.mediaTypes,
            querystring: z.object({ token: z.string().optional().describe('the API token, when the Authorization header cannot be set') }),
            headers: z.looseObject(spec.headers),
            response: {
              202: webhookResultSchema,
              400: errorResponseSchema,
              401: errorResponseSchema,
              403: errorResponseSchema,
              413: errorResponseSchema,
              415: errorResponseSchema,
              422: errorResponseSchema,
              503: errorResponseSchema,
            },
          },
        },
        async (request, reply) => {
          const secret = deps.config.webhookSecrets[source];
          // Refused rather than taken unverified: the token alone travels in URLs and logs of the
          // survey tool. 503 makes the tool retry, so nothing is lost while the secret is set up.
          if (secret === undefined) {
            throw new ApiError(
              503,
              'webhook_not_configured',
              `${source} webhooks are not set up: NPSLOOP_WEBHOOK_SECRET_${source.toUpperCase()} is not configured`,
            );
          }
          const secrets = [secret, deps.config.webhookPreviousSecrets[source]].filter((s) => s !== undefined);
          const settings = npsSettingsOf(deps.config);
          const delivery = request.body as RawDelivery | undefined;
          const raw = delivery?.raw ?? Buffer.alloc(0);
          // Retently's secret may sit in its body: that body is read first, and the secret taken out.
          let payload: unknown;
          let bodySecret: BodySecret | undefined;
          if (source === 'retently') {
            payload = parseDeliveryBody(delivery);
            bodySecret = takeBodySecret(payload);
          }
          const signedEventId = verifyDelivery(source, raw, request.headers, secrets, settings.now, bodySecret);
          if (source !== 'retently') payload = parseDeliveryBody(delivery);
          const eventId = deliveryEventId(source, raw, payload, signedEventId);
          const answer = await receiveWebhook(deps.db, { source, eventId, payload }, settings);
          if (answer.replayed) void reply.header(REPLAYED_HEADER, 'true');
          if (answer.status === 422) throw invalidDeliveryError(answer.result);
          return reply.code(202).send(answer.result);
        },
      );
    });
  }
}

/**
 * Puts `body` in the route's OpenAPI document without validating anything: a `schema.body`
 * would be validated, but the route must take the raw bytes its signature covers, and the
 * source's adapter validates the payload, naming the vendor's own field paths.
 */
function documentingBody(body: z.ZodType): SwaggerTransform {
  return (route) => jsonSchemaTransform({ ...route, schema: { ...route.schema, body } });
}
