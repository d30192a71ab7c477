// The Slack request verifier against Slack's own documented example
// (https://api.slack.com/authentication/verifying-requests-from-slack), never against a signature
// the product computed itself: a mistake in the signed string must fail here.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_REQUEST_AGE_S,
  slackSignature,
  verifySlackRequest,
} from '../../src/desks/slack/verify.ts';

// Slack's published example request: a slash command signed with this secret at this time.
const DOCUMENTED = {
  signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  rawBody:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const SENT_AT_MS = Number(DOCUMENTED.timestamp) * 1000;

function verifyAt(nowMs: number, overrides: Partial<typeof DOCUMENTED> = {}) {
  const request = { ...DOCUMENTED, ...overrides };
  return verifySlackRequest({ ...request, nowMs });
}

describe('slackSignature', () => {
  it('reproduces the signature Slack documents for its example request', () => {
    expect(slackSignature(DOCUMENTED.signingSecret, DOCUMENTED.timestamp, DOCUMENTED.rawBody)).toBe(
      DOCUMENTED.signature,
    );
    // A number timestamp signs the same base string as its decimal text.
    expect(
      slackSignature(DOCUMENTED.signingSecret, Number(DOCUMENTED.timestamp), DOCUMENTED.rawBody),
    ).toBe(DOCUMENTED.signature);
  });
});

describe('verifySlackRequest', () => {
  it('accepts the documented request when it arrives on time', () => {
    expect(verifyAt(SENT_AT_MS)).toEqual({ ok: true });
    expect(verifyAt(SENT_AT_MS + 2_000)).toEqual({ ok: true });
  });

  it('refuses a signature over the body alone, without the timestamp (a replayable MAC)', () => {
    const withoutTimestamp = `v0=${createHmac('sha256', DOCUMENTED.signingSecret)
      .update(`v0:${DOCUMENTED.rawBody}`)
      .digest('hex')}`;
    expect(verifyAt(SENT_AT_MS, { signature: withoutTimestamp })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses the documented signature once the body, secret or timestamp changed', () => {
    const bad = { ok: false, reason: 'bad_signature' };
    expect(
      verifyAt(SENT_AT_MS, { rawBody: DOCUMENTED.rawBody.replace('foobar', 'foobaz') }),
    ).toEqual(bad);
    expect(verifyAt(SENT_AT_MS, { rawBody: `${DOCUMENTED.rawBody}&x=1` })).toEqual(bad);
    expect(verifyAt(SENT_AT_MS, { signingSecret: `${DOCUMENTED.signingSecret}0` })).toEqual(bad);
    expect(verifyAt(SENT_AT_MS, { timestamp: '1531420619' })).toEqual(bad);
    // Slack sends lowercase hex after "v0="; anything else is not its signature.
    expect(verifyAt(SENT_AT_MS, { signature: DOCUMENTED.signature.toUpperCase() })).toEqual(bad);
    expect(verifyAt(SENT_AT_MS, { signature: DOCUMENTED.signature.replace('v0=', 'v1=') })).toEqual(
      bad,
    );
  });

  it('refuses a signature of another length without throwing', () => {
    const bad = { ok: false, reason: 'bad_signature' };
    expect(verifyAt(SENT_AT_MS, { signature: DOCUMENTED.signature.slice(0, -1) })).toEqual(bad);
    expect(verifyAt(SENT_AT_MS, { signature: `${DOCUMENTED.signature}0` })).toEqual(bad);
    expect(verifyAt(SENT_AT_MS, { signature: 'v0=' })).toEqual(bad);
  });

  it('accepts a request up to five minutes old or early, and refuses one a second beyond', () => {
    expect(MAX_REQUEST_AGE_S).toBe(300);
    const limitMs = MAX_REQUEST_AGE_S * 1000;
    expect(verifyAt(SENT_AT_MS + limitMs)).toEqual({ ok: true });
    expect(verifyAt(SENT_AT_MS - limitMs)).toEqual({ ok: true });
    expect(verifyAt(SENT_AT_MS + limitMs + 1_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyAt(SENT_AT_MS - limitMs - 1_000)).toEqual({ ok: false, reason: 'stale' });
    // A stale request is refused as stale even when its signature is right: replay protection
    // does not depend on the MAC.
    expect(verifyAt(SENT_AT_MS + 3_600_000)).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses requests without both headers or with a timestamp that is not whole seconds', () => {
    const missing = { ok: false, reason: 'missing_headers' };
    for (const timestamp of [undefined, '', 'x1531420618', '1531420618x', '1531420618.5', ' 1']) {
      expect(
        verifySlackRequest({ ...DOCUMENTED, timestamp, nowMs: SENT_AT_MS }),
        String(timestamp),
      ).toEqual(missing);
    }
    for (const signature of [undefined, '']) {
      expect(verifySlackRequest({ ...DOCUMENTED, signature, nowMs: SENT_AT_MS })).toEqual(missing);
    }
  });
});
