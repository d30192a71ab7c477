// The fake WeChat and WeCom APIs refuse what api.weixin.qq.com and qyapi.weixin.qq.com refuse, with
// their errcodes, so a channel that sends without a token or with a malformed customer-service
// message fails its tests instead of passing against a lenient fake.
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeWechatApi, type FakeWechatApi } from '../support/fake-wechat-api.ts';

let api: FakeWechatApi | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

async function getJson(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(url)).json()) as Record<string, unknown>;
}

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

describe('the fake Official Account API', () => {
  it('issues a token only for the right grant type, appid and secret', async () => {
    api = await startFakeWechatApi({ appId: 'wx0123456789abcdef', appSecret: 'the-secret' });
    const token = (query: string) => getJson(`${api!.baseUrl}/cgi-bin/token?${query}`);
    expect(
      await token('grant_type=password&appid=wx0123456789abcdef&secret=the-secret'),
    ).toMatchObject({ errcode: 40002 });
    expect(
      await token('grant_type=client_credential&appid=wxother&secret=the-secret'),
    ).toMatchObject({ errcode: 40013 });
    expect(
      await token('grant_type=client_credential&appid=wx0123456789abcdef&secret=wrong'),
    ).toMatchObject({ errcode: 40125 });
    const granted = await token(
      'grant_type=client_credential&appid=wx0123456789abcdef&secret=the-secret',
    );
    expect(granted).toMatchObject({ expires_in: 7200 });
    expect(typeof granted.access_token).toBe('string');
  });

  it('refuses a customer-service message without a valid token or with a malformed body', async () => {
    api = await startFakeWechatApi({ appId: 'wx0123456789abcdef', appSecret: 'the-secret' });
    const { access_token: token } = await getJson(
      `${api.baseUrl}/cgi-bin/token?grant_type=client_credential&appid=wx0123456789abcdef&secret=the-secret`,
    );
    const send = (body: unknown, accessToken: unknown = token) =>
      postJson(
        `${api!.baseUrl}/cgi-bin/message/custom/send${accessToken === null ? '' : `?access_token=${String(accessToken)}`}`,
        body,
      );
    const good = { touser: 'oUser1', msgtype: 'text', text: { content: '您好' } };
    expect(await send(good, null)).toMatchObject({ errcode: 41001 });
    expect(await send(good, 'a-token-never-issued')).toMatchObject({ errcode: 40001 });
    expect(await send('{"touser": ')).toMatchObject({ errcode: 47001 });
    expect(await send({ ...good, touser: undefined })).toMatchObject({ errcode: 47001 });
    expect(await send({ ...good, msgtype: undefined })).toMatchObject({ errcode: 47001 });
    expect(await send({ touser: 'oUser1', msgtype: 'text', content: '您好' })).toMatchObject({
      errcode: 47001,
    });
    expect(await send({ ...good, text: { content: '' } })).toMatchObject({ errcode: 44004 });
    expect(await send({ ...good, text: { content: '好'.repeat(683) } })).toMatchObject({
      errcode: 45002,
    });
    expect(api.sent).toHaveLength(0);
    expect(await send(good)).toMatchObject({ errcode: 0 });
    expect(api.sent.map((s) => [s.touser, s.content])).toEqual([['oUser1', '您好']]);
  });
});

describe('the fake WeCom API', () => {
  it('refuses a token for another corp or secret and messages for another agent or no member', async () => {
    api = await startFakeWechatApi({
      platform: 'wecom',
      corpId: 'ww0123456789abcdef',
      corpSecret: 'corp-secret',
      agentId: 1000002,
      members: ['ZhangSan'],
    });
    const gettoken = (query: string) => getJson(`${api!.baseUrl}/cgi-bin/gettoken?${query}`);
    expect(await gettoken('corpid=wwother&corpsecret=corp-secret')).toMatchObject({
      errcode: 40013,
    });
    expect(await gettoken('corpid=ww0123456789abcdef&corpsecret=wrong')).toMatchObject({
      errcode: 40001,
    });
    const { access_token: token } = await gettoken(
      'corpid=ww0123456789abcdef&corpsecret=corp-secret',
    );
    const send = (body: unknown, accessToken: unknown = token) =>
      postJson(
        `${api!.baseUrl}/cgi-bin/message/send${accessToken === null ? '' : `?access_token=${String(accessToken)}`}`,
        body,
      );
    const good = {
      touser: 'ZhangSan',
      msgtype: 'text',
      agentid: 1000002,
      text: { content: '您好' },
    };
    expect(await send(good, null)).toMatchObject({ errcode: 41001 });
    expect(await send(good, 'a-token-never-issued')).toMatchObject({ errcode: 40014 });
    expect(await send('{"touser": ')).toMatchObject({ errcode: 40035 });
    expect(await send({ ...good, agentid: undefined })).toMatchObject({ errcode: 41011 });
    expect(await send({ ...good, agentid: 1000003 })).toMatchObject({ errcode: 40056 });
    expect(await send({ ...good, msgtype: 'markdown' })).toMatchObject({ errcode: 40008 });
    expect(await send({ ...good, text: { content: '' } })).toMatchObject({ errcode: 44004 });
    expect(await send({ ...good, touser: 'Stranger' })).toMatchObject({ errcode: 81013 });
    expect(api.sent).toHaveLength(0);
    expect(await send(good)).toMatchObject({ errcode: 0 });
    expect(api.sent).toHaveLength(1);
  });
});
