// The fake Bot Framework connector and Azure AD refuse what the real ones refuse, so a bot that
// sends a malformed activity or no valid token fails its tests instead of passing against a
// lenient fake.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BOT_FRAMEWORK_SCOPE,
  startFakeBotFrameworkConnector,
  type FakeBotFrameworkConnector,
} from '../support/fake-bf-connector.ts';

const APP_ID = '5b7d3c1e-2a4f-4e8d-9c6b-0f1e2d3c4b5a';
const APP_PASSWORD = 'fake-connector-test-secret';

// A fresh fake per test: what one test sent is not in another's record.
let fake: FakeBotFrameworkConnector;
beforeEach(async () => {
  fake = await startFakeBotFrameworkConnector({ appId: APP_ID, appPassword: APP_PASSWORD });
});
afterEach(async () => {
  await fake.close();
});

async function tokenRequest(fields: Record<string, string>) {
  const response = await fetch(`${fake.loginUrl}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: APP_ID,
      client_secret: APP_PASSWORD,
      scope: `${BOT_FRAMEWORK_SCOPE}/.default`,
      ...fields,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const goodActivity = {
  type: 'message',
  text: '您好',
  from: { id: `28:${APP_ID}`, name: '证券客服' },
  recipient: { id: 'user-1' },
  conversation: { id: 'conv-9' },
};

async function send(
  body: unknown,
  { token, contentType = 'application/json', conversation = 'conv-9' } = {} as {
    token?: string;
    contentType?: string;
    conversation?: string;
  },
) {
  const response = await fetch(`${fake.serviceUrl}v3/conversations/${conversation}/activities`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return response.status;
}

describe('the fake Azure AD token endpoint (https)', () => {
  it('issues a token only for the right client secret, grant type and scope', async () => {
    expect(await tokenRequest({ client_secret: 'wrong' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect(await tokenRequest({ grant_type: 'password' })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
    expect(await tokenRequest({ scope: 'https://graph.microsoft.com/.default' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    const granted = await tokenRequest({});
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
  });
});

describe('the fake connector', () => {
  it('refuses a call without a token or with one Azure AD never issued', async () => {
    expect(await send(goodActivity)).toBe(401);
    expect(await send(goodActivity, { token: 'fake-aad-0123456789abcdef0123456789abcdef' })).toBe(
      401,
    );
    expect(fake.activities).toHaveLength(0);
  });

  it('refuses what is not a JSON activity with type, sender, conversation and content', async () => {
    const token = String((await tokenRequest({})).body.access_token);
    const without = (field: string) => ({ ...goodActivity, [field]: undefined });
    expect(await send(goodActivity, { token, contentType: 'text/plain' })).toBe(415);
    expect(await send('{"type": "message", ', { token })).toBe(400);
    expect(await send([goodActivity], { token })).toBe(400);
    expect(await send(without('type'), { token })).toBe(400);
    expect(await send(without('from'), { token })).toBe(400);
    expect(await send({ ...goodActivity, from: { name: '证券客服' } }, { token })).toBe(400);
    expect(await send(without('conversation'), { token })).toBe(400);
    expect(await send(goodActivity, { token, conversation: 'another-conversation' })).toBe(400);
    expect(await send({ ...goodActivity, text: '' }, { token })).toBe(400);
    expect(fake.activities).toHaveLength(0);

    expect(await send(goodActivity, { token })).toBe(200);
    expect(await send({ ...goodActivity, type: 'typing', text: undefined }, { token })).toBe(200);
    expect(fake.activities.map((a) => a.activity.type)).toEqual(['message', 'typing']);
  });
});
