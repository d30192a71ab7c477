// The console API on a real app: web turns through the pipeline feed the statistics and the
// conversation index; search finds conversations by their reference (never the customer's bearer
// id); the transcript is masked and carries the NLU's reading.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleApi } from '../../src/console/api.ts';
import { shanghaiDay } from '../../src/core/workdays.ts';
import { createTokenizer } from '../../src/nlu/tokenize.ts';
import { buildHarness, say, webConversation, webId, type Harness } from '../app/harness.ts';
import { letThrough } from './stats-overview.ts';

const PHONE = '13812345678';
const ID_NUMBER = '110101199003071234';
const CARD = '6222021234567890123';
const FUND_ACCOUNT = '310012345678';

let h: Harness;
let api: FastifyInstance;

beforeAll(async () => {
  h = await buildHarness();
  await say(h, 'opening', '开户需要带什么材料');
  await say(h, 'opening', `我的手机号${PHONE}，身份证${ID_NUMBER}`);
  await say(h, 'fees', '股票交易佣金怎么收');
  await say(h, 'fees', `银行卡${CARD}，资金账号 ${FUND_ACCOUNT}`);
  await h.app.statistics.recorder.settled();
  api = Fastify();
  await api.register(
    consoleApi({
      stores: h.app.statistics.stores,
      transcripts: h.stores.transcripts,
      tokenizer: createTokenizer(),
      authorize: letThrough,
    }),
  );
}, 120_000);

afterAll(async () => {
  await api?.close();
  await h?.close();
});

const get = async (url: string) => {
  const response = await api.inject({ url });
  return { status: response.statusCode, json: response.json(), body: response.body };
};

describe('console API on turns through the pipeline', () => {
  it('counts the conversations and their turns as they happen', async () => {
    const today = shanghaiDay(new Date());
    const { status, json } = await get('/console/api/overview');
    expect(status).toBe(200);
    expect(json.range.to).toBe(today);
    expect(json.conversationsByDay).toEqual([{ day: today, channel: 'web', count: 2 }]);
    expect(json.containment).toEqual({ conversations: 2, withoutHuman: 2, share: 1 });
    expect(json.handoffRate).toBe(0);
    const topics = (json.topTopics as { topic: string; count: number }[]).map((t) => t.topic);
    expect(topics.length).toBeGreaterThan(0);
    expect(json.notUnderstoodTrend).toHaveLength(1);
  });

  it('finds conversations by words, channel and topic, by reference only', async () => {
    const opening = webConversation(h, 'opening');
    const fees = webConversation(h, 'fees');
    const byWord = await get(`/console/api/conversations?q=${encodeURIComponent('开户')}`);
    expect(byWord.status).toBe(200);
    expect(byWord.json.items.map((i: { ref: string }) => i.ref)).toEqual([opening]);
    expect(byWord.json.items[0]).toMatchObject({ channel: 'web', turns: 2, ticketIds: [] });
    const both = await get('/console/api/conversations?channel=web');
    expect(both.json.items.map((i: { ref: string }) => i.ref)).toEqual([fees, opening]);
    // The customer's bearer id appears nowhere; the masked words are never indexed.
    for (const name of ['opening', 'fees']) expect(both.body).not.toContain(webId(h, name));
    expect((await get(`/console/api/conversations?q=${PHONE}`)).json.items).toEqual([]);
    expect((await get('/console/api/conversations?channel=wechat-mp')).json.items).toEqual([]);
    const topic = both.json.items[1].topics[0] as string;
    const byTopic = await get(`/console/api/conversations?topic=${encodeURIComponent(topic)}`);
    expect(byTopic.json.items.map((i: { ref: string }) => i.ref)).toContain(opening);
  });

  it('pages with an opaque cursor and refuses bad filters', async () => {
    const first = await get('/console/api/conversations?limit=1');
    expect(first.json.items).toHaveLength(1);
    expect(typeof first.json.next).toBe('string');
    const second = await get(`/console/api/conversations?limit=1&cursor=${first.json.next}`);
    expect(second.json.items).toHaveLength(1);
    expect(second.json.next).toBeNull();
    expect(second.json.items[0].ref).not.toBe(first.json.items[0].ref);
    for (const bad of [
      'limit=0',
      'limit=500',
      'cursor=nonsense',
      'channel=Web!',
      'from=2026-13-01',
    ])
      expect((await get(`/console/api/conversations?${bad}`)).status).toBe(400);
  });

  it('shows a transcript masked, with the reading of each customer line', async () => {
    for (const name of ['opening', 'fees']) {
      const { status, json, body } = await get(
        `/console/api/conversations/${encodeURIComponent(webConversation(h, name))}`,
      );
      expect(status).toBe(200);
      expect(json.channel).toBe('web');
      for (const secret of [PHONE, ID_NUMBER, CARD, FUND_ACCOUNT])
        expect(body).not.toContain(secret);
      const customer = json.lines.filter((l: { from: string }) => l.from === 'customer');
      expect(customer).toHaveLength(2);
      for (const line of customer) {
        expect(typeof line.nlu.topic).toBe('string');
        expect(line.nlu.confidence).toBeGreaterThanOrEqual(0);
        expect(line.nlu.confidence).toBeLessThanOrEqual(1);
      }
      expect(json.lines.some((l: { from: string }) => l.from === 'bot')).toBe(true);
    }
    const opening = await get(
      `/console/api/conversations/${encodeURIComponent(webConversation(h, 'opening'))}`,
    );
    const said = opening.json.lines.filter((l: { from: string }) => l.from === 'customer')[1];
    expect(said.text).toContain('138****5678');
    expect(said.text).toContain('110101********1234');
    expect(said.nlu.entities).toContainEqual({ type: 'phone', value: '138****5678' });
    const fees = await get(
      `/console/api/conversations/${encodeURIComponent(webConversation(h, 'fees'))}`,
    );
    const card = fees.json.lines.filter((l: { from: string }) => l.from === 'customer')[1];
    expect(card.text).toContain('622202*********0123');
    expect(card.text).toContain('********5678');
  });

  it("never takes a web chat's bearer id and answers 404 for unknown references", async () => {
    expect((await get(`/console/api/conversations/${webId(h, 'opening')}`)).status).toBe(400);
    expect((await get('/console/api/conversations/web%3Anothing')).status).toBe(404);
  });

  it('answers 401 when the guard refuses', async () => {
    const guarded = Fastify();
    await guarded.register(
      consoleApi({
        stores: h.app.statistics.stores,
        transcripts: h.stores.transcripts,
        tokenizer: createTokenizer(),
        authorize: async (_request, reply) => {
          await reply.code(401).send({ error: 'unauthorized' });
        },
      }),
    );
    for (const url of [
      '/console/api/overview',
      '/console/api/conversations',
      `/console/api/conversations/${encodeURIComponent(webConversation(h, 'opening'))}`,
    ]) {
      const response = await guarded.inject({ url });
      expect(response.statusCode).toBe(401);
      expect(response.body).not.toContain('customer');
    }
    await guarded.close();
    // The app mounts the API behind the console's own session guard.
    expect((await h.app.server.inject({ url: '/console/api/overview' })).statusCode).toBe(401);
  });
});
