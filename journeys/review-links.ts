import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Review links go through npsloop's redirect endpoint, `/r/<enrollment id>.<signature>`, so a
 * click is recorded and the journey told before the browser moves on to the review site. The
 * HMAC keeps anyone from recording clicks for enrollments they were not sent.
 */
export interface ReviewLinkSettings {
  /** Where npsloop's HTTP API is reached from the recipient's browser. */
  publicBaseUrl: string;
  secret: string;
}

function signature(enrollmentId: number, secret: string): string {
  return createHmac('sha256', secret).update(`review-link:${enrollmentId}`).digest('base64url').slice(0, 22);
}

export function reviewLinkUrl(settings: ReviewLinkSettings, enrollmentId: number): string {
  return new URL(`/r/${enrollmentId}.${signature(enrollmentId, settings.secret)}`, settings.publicBaseUrl).toString();
}

/** The enrollment a link token stands for, or null when the token is malformed or forged. */
export function enrollmentOfReviewToken(settings: ReviewLinkSettings, token: string): number | null {
  const match = /^(\d{1,10})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!match) return null;
  const enrollmentId = Number(match[1]);
  const expected = Buffer.from(signature(enrollmentId, settings.secret));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? enrollmentId : null;
}
