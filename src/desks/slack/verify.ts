// Slack request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
// v0=HMAC-SHA256(signing secret, "v0:{timestamp}:{raw body}"), timestamps older than 5 minutes
// refused so a captured request cannot be replayed. Failures are values, not exceptions.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAX_REQUEST_AGE_S = 5 * 60;

export type SlackVerification =
  { ok: true } | { ok: false; reason: 'missing_headers' | 'stale' | 'bad_signature' };

export function slackSignature(
  signingSecret: string,
  timestamp: string | number,
  rawBody: string,
): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export function verifySlackRequest(input: {
  signingSecret: string;
  rawBody: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowMs: number;
}): SlackVerification {
  if (!input.timestamp || !input.signature || !/^\d+$/.test(input.timestamp)) {
    return { ok: false, reason: 'missing_headers' };
  }
  if (Math.abs(input.nowMs / 1000 - Number(input.timestamp)) > MAX_REQUEST_AGE_S)
    return { ok: false, reason: 'stale' };
  const expected = Buffer.from(slackSignature(input.signingSecret, input.timestamp, input.rawBody));
  const given = Buffer.from(input.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}
