// The fake Slack refuses what real Slack refuses for the methods the desks use, so a desk that
// sends a malformed call fails its tests instead of passing against a lenient fake.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';

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
});
