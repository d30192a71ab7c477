// The fake Slack refuses what real Slack refuses for the methods the desks use, so a desk that
// sends a malformed call fails its tests instead of passing against a lenient fake.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedBody, startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';

let slack: FakeSlack;
beforeEach(async () => {
  slack = await startFakeSlack({ botToken: 'xoxb-good', channels: ['C0DESK'] });
});
afterEach(async () => {
  await slack.close();
});

async function call(method: string, args: Record<string, unknown>, token = 'xoxb-good') {
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(args),
  });
  return (await res.json()) as { ok: boolean; error?: string; ts?: string };
}

describe('the fake Slack Web API', () => {
  it('refuses a bad token, a missing or unknown channel and a message without text or blocks', async () => {
    expect(
      await call('chat.postMessage', { channel: 'C0DESK', text: 'hi' }, 'xoxb-bad'),
    ).toMatchObject({
      ok: false,
      error: 'invalid_auth',
    });
    expect(await call('chat.postMessage', { text: 'hi' })).toMatchObject({
      error: 'channel_not_found',
    });
    expect(await call('chat.postMessage', { channel: 'C0OTHER', text: 'hi' })).toMatchObject({
      error: 'channel_not_found',
    });
    expect(await call('chat.postMessage', { channel: 'C0DESK' })).toMatchObject({
      error: 'no_text',
    });
    expect(
      await call('chat.postMessage', { channel: 'C0DESK', text: ' ', blocks: [] }),
    ).toMatchObject({
      error: 'no_text',
    });
    expect(
      await call('chat.postMessage', { channel: 'C0DESK', text: 'x', thread_ts: '1.2' }),
    ).toMatchObject({
      error: 'thread_not_found',
    });
    const posted = await call('chat.postMessage', { channel: 'C0DESK', text: 'card' });
    expect(posted.ok).toBe(true);
    expect(await call('chat.update', { channel: 'C0DESK', ts: posted.ts })).toMatchObject({
      error: 'no_text',
    });
    expect(await call('chat.update', { channel: 'C0DESK', ts: '9.9', text: 'x' })).toMatchObject({
      error: 'message_not_found',
    });
    expect(slack.messages).toHaveLength(1);
  });

  it('refuses ephemeral messages to strangers and modals without a fresh trigger or with a long title', async () => {
    expect(
      await call('chat.postEphemeral', { channel: 'C0DESK', user: 'U_NOBODY', text: 'x' }),
    ).toMatchObject({
      error: 'user_not_in_channel',
    });
    const view = {
      type: 'modal',
      title: { type: 'plain_text', text: '办结 TS20261123-0001' },
      blocks: [],
    };
    expect(await call('views.open', { view })).toMatchObject({ error: 'invalid_trigger_id' });
    expect(await call('views.open', { trigger_id: 'trigger-1', view })).toMatchObject({ ok: true });
    expect(await call('views.open', { trigger_id: 'trigger-1', view })).toMatchObject({
      error: 'expired_trigger_id',
    });
    expect(
      await call('views.open', {
        trigger_id: 'trigger-2',
        view: {
          ...view,
          title: {
            type: 'plain_text',
            text: '这是一个超过二十四个字符长度的非常非常长的模态框标题文字',
          },
        },
      }),
    ).toMatchObject({ error: 'invalid_arguments' });
    expect(slack.views).toHaveLength(1);
  });

  it('refuses what Slack refuses before any method runs: verb, content type, charset, body, token', async () => {
    const raw = (init: RequestInit) => fetch(`${slack.apiUrl}chat.postMessage`, init);
    const json = JSON.stringify({ channel: 'C0DESK', text: 'hi' });
    const bearer = { authorization: 'Bearer xoxb-good' };

    const get = await raw({ method: 'GET', headers: bearer });
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ ok: false, error: 'method_not_allowed' });
    const cases: [RequestInit, string][] = [
      [{ method: 'POST', headers: bearer, body: new Blob([json]) }, 'missing_post_type'],
      [
        { method: 'POST', headers: { ...bearer, 'content-type': 'application/xml' }, body: json },
        'invalid_post_type',
      ],
      [
        {
          method: 'POST',
          headers: { ...bearer, 'content-type': 'application/json; charset=gbk' },
          body: json,
        },
        'invalid_charset',
      ],
      [
        {
          method: 'POST',
          headers: { ...bearer, 'content-type': 'application/json' },
          body: '{"a"',
        },
        'invalid_json',
      ],
      [
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: json },
        'not_authed',
      ],
      // Slack reads the token of a JSON call from the header only.
      [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: 'xoxb-good', channel: 'C0DESK', text: 'hi' }),
        },
        'not_authed',
      ],
    ];
    for (const [init, error] of cases) {
      expect(await (await raw(init)).json(), error).toMatchObject({ ok: false, error });
    }
    // A form may carry the token, as WebClient's form posts do.
    const form = await raw({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'xoxb-good', channel: 'C0DESK', text: 'hi' }).toString(),
    });
    expect(await form.json()).toMatchObject({ ok: true });
    expect(slack.messages).toHaveLength(1);
  });

  it('refuses an upload without a file name or length, and completing one never uploaded', async () => {
    expect(await call('files.getUploadURLExternal', { length: 12 })).toMatchObject({
      error: 'invalid_arguments',
    });
    expect(
      await call('files.getUploadURLExternal', { filename: 'transcript.txt', length: 0 }),
    ).toMatchObject({ error: 'invalid_arguments' });
    const started = (await call('files.getUploadURLExternal', {
      filename: 'transcript.txt',
      length: 12,
    })) as { ok: boolean; file_id?: string };
    expect(started.ok).toBe(true);
    expect(await call('files.completeUploadExternal', { files: [] })).toMatchObject({
      error: 'invalid_arguments',
    });
    expect(
      await call('files.completeUploadExternal', {
        files: [{ id: started.file_id, title: '会话记录' }],
        channel_id: 'C0DESK',
      }),
    ).toMatchObject({ error: 'file_not_found' });
    expect(
      await call('files.completeUploadExternal', {
        files: [{ id: started.file_id }],
        channel_id: 'C0ELSEWHERE',
      }),
    ).toMatchObject({ error: 'channel_not_found' });
    expect(slack.files).toHaveLength(0);
  });
});

describe("the fake's request signing", () => {
  it("reproduces Slack's documented example signature with its own HMAC code", () => {
    // https://api.slack.com/authentication/verifying-requests-from-slack, the worked example.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const request = signedBody(body, 'application/x-www-form-urlencoded', {
      signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
      timestamp: 1531420618,
    });
    expect(request.headers).toMatchObject({
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    });
  });
});
