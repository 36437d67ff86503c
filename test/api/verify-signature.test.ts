import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { standardWebhookHeaders } from '../../api/webhooks/sign-standard-webhook.ts';
import { verifyDelivery } from '../../api/webhooks/verify-signature.ts';

// The example in the Standard Webhooks specification: a signature worked out independently of npsloop and its library.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  headers: { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' },
  body: '{"test": 2432232314}',
  signedAt: new Date(1614265330 * 1000),
};

const verifyGeneric = (body: string | Buffer, headers: Record<string, string>, secrets: readonly string[], now: Date) =>
  verifyDelivery('generic', Buffer.from(body), headers, secrets, now);

/** What verifyGeneric throws, as the API would answer it. */
function refusal(verify: () => unknown): { statusCode: number; code: string; message: string } {
  try {
    verify();
  } catch (error) {
    const { statusCode, code, message } = error as { statusCode: number; code: string; message: string };
    return { statusCode, code, message };
  }
  throw new Error('expected the delivery to be refused');
}

describe('Standard Webhooks signing and verification', () => {
  it("signs and verifies the specification's example, on the clock it is given rather than the wall clock", () => {
    expect(standardWebhookHeaders(SPEC.secret, SPEC.body, { id: SPEC.headers['webhook-id'], timestamp: SPEC.signedAt })).toEqual(SPEC.headers);
    expect(verifyGeneric(SPEC.body, SPEC.headers, [SPEC.secret], SPEC.signedAt)).toBe(SPEC.headers['webhook-id']);
  });

  it('verifies the raw bytes of a non-ASCII body, as UTF-8 on both sides', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const body = JSON.stringify({ comment: 'Très bien, 很好 👍' });
    const headers = standardWebhookHeaders(secret, body, { id: 'msg_utf8', timestamp: SPEC.signedAt });
    const utf8Signature = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
      .update(Buffer.from(`msg_utf8.${headers['webhook-timestamp']}.${body}`, 'utf8'))
      .digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${utf8Signature}`);
    expect(verifyGeneric(body, headers, [secret], SPEC.signedAt)).toBe('msg_utf8');
    expect(refusal(() => verifyGeneric(Buffer.from(body, 'latin1'), headers, [secret], SPEC.signedAt)).code).toBe('invalid_signature');
  });

  it('takes any configured secret and any one of several signatures, as while a key is rotated', () => {
    const previous = `whsec_${randomBytes(32).toString('base64')}`;
    expect(verifyGeneric(SPEC.body, SPEC.headers, [previous, SPEC.secret], SPEC.signedAt)).toBe(SPEC.headers['webhook-id']);
    const several = { ...SPEC.headers, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} v1a,whatever ${SPEC.headers['webhook-signature']}` };
    expect(verifyGeneric(SPEC.body, several, [SPEC.secret], SPEC.signedAt)).toBe(SPEC.headers['webhook-id']);
    expect(refusal(() => verifyGeneric(SPEC.body, SPEC.headers, [previous], SPEC.signedAt))).toEqual({
      statusCode: 401,
      code: 'invalid_signature',
      message: 'no v1 signature in the webhook-signature header matches the message',
    });
  });

  it('says which header is missing or malformed', () => {
    const { 'webhook-timestamp': _dropped, ...untimed } = SPEC.headers;
    expect(refusal(() => verifyGeneric(SPEC.body, untimed, [SPEC.secret], SPEC.signedAt))).toMatchObject({ code: 'invalid_signature', message: 'the webhook-timestamp header is missing' });
    const notSeconds = { ...SPEC.headers, 'webhook-timestamp': '2021-02-26' };
    expect(refusal(() => verifyGeneric(SPEC.body, notSeconds, [SPEC.secret], SPEC.signedAt))).toMatchObject({ message: 'the webhook-timestamp header must be unix seconds' });
  });

  it('tells only a genuine message that it is stale, either way past the tolerance', () => {
    for (const offsetSeconds of [-301, 301]) {
      const now = new Date(SPEC.signedAt.getTime() + offsetSeconds * 1000);
      expect(refusal(() => verifyGeneric(SPEC.body, SPEC.headers, [SPEC.secret], now))).toEqual({
        statusCode: 401,
        code: 'stale_event',
        message: "the webhook-timestamp is 301 s away from this server's clock (at most 300 s)",
      });
      const forged = { ...SPEC.headers, 'webhook-signature': 'v1,AAAA' };
      expect(refusal(() => verifyGeneric(SPEC.body, forged, [SPEC.secret], now)).code).toBe('invalid_signature');
    }
    const atTheEdge = new Date(SPEC.signedAt.getTime() + 300_000);
    expect(verifyGeneric(SPEC.body, SPEC.headers, [SPEC.secret], atTheEdge)).toBe(SPEC.headers['webhook-id']);
  });
});
