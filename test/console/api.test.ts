// The console API on a real app: web turns through the pipeline feed the statistics and the
// conversation index; search finds conversations by their reference (never the customer's bearer
// id); the transcript is masked and carries the NLU's reading.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleApi } from '../../src/console/api.ts';
import { shanghaiDay } from '../../src/core/workdays.ts';
import { createTokenizer } from '../../src/nlu/tokenize.ts';
import {
  ADMIN_TOKEN,
  buildHarness,
  say,
  webConversation,
  webId,
  type Harness,
} from '../app/harness.ts';
import { letThrough } from './stats-overview.ts';

const PHONE = '13812345678';
const ID_NUMBER = '110101199003071234';
const CARD = '6222021234567890123';
const FUND_ACCOUNT = '310012345678';

const COMPLAINT = [
  '我要投诉',
  '张三',
  '13900001111',
  '不方便',
  '昨天下午',
  '收费',
  '佣金比开户时约定的高了很多',
  '退还多收的佣金',
  '确认',
  '不用了',
  '5',
  '跳过',
];

let h: Harness;
let api: FastifyInstance;

beforeAll(async () => {
  h = await buildHarness();
  await say(h, 'opening', '开户需要带什么材料');
  await say(h, 'opening', `我的手机号${PHONE}，身份证${ID_NUMBER}`);
  await say(h, 'fees', '股票交易佣金怎么收');
  await say(h, 'fees', `银行卡${CARD}，资金账号 ${FUND_ACCOUNT}`);
  // A complaint walked to its ticket, then the survey (scored 5).
  for (const text of COMPLAINT) await say(h, 'complaint', text);
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
    expect(json.conversationsByDay).toEqual([{ day: today, channel: 'web', count: 3 }]);
    expect(json.containment).toEqual({ conversations: 3, withoutHuman: 3, share: 1 });
    expect(json.handoffRate).toBe(0);
    expect(json.satisfaction.distribution).toEqual({ '1': 0, '2': 0, '3': 0, '4': 0, '5': 1 });
    expect(json.satisfaction.trend).toEqual([{ day: today, average: 5, count: 1 }]);
    const [ticket] = await h.stores.tickets.list();
    expect(json.complaints).toEqual({
      byCategory: { 收费: 1 },
      byDepartment: { [ticket?.department ?? '未分配']: 1 },
      // Another test of this file may have accepted the ticket already (shuffled order): the
      // overview shows the status the store holds.
      byStatus: { [ticket?.status ?? 'missing']: 1 },
    });
    expect(['open', 'in_progress']).toContain(ticket?.status);
    const topics = (json.topTopics as { topic: string; count: number }[]).map((t) => t.topic);
    expect(topics.length).toBeGreaterThan(0);
    expect(json.notUnderstoodTrend).toHaveLength(1);
  });

  it('finds conversations by words, channel and topic, by reference only', async () => {
    const opening = webConversation(h, 'opening');
    const fees = webConversation(h, 'fees');
    const byWord = await get(`/console/api/conversations?q=${encodeURIComponent('开户材料')}`);
    expect(byWord.status).toBe(200);
    expect(byWord.json.items.map((i: { ref: string }) => i.ref)).toEqual([opening]);
    expect(byWord.json.items[0]).toMatchObject({ channel: 'web', turns: 2, ticketIds: [] });
    const both = await get('/console/api/conversations?channel=web');
    expect(both.json.items.map((i: { ref: string }) => i.ref)).toEqual([
      webConversation(h, 'complaint'),
      fees,
      opening,
    ]);
    // The customer's bearer id appears nowhere; the masked words are never indexed.
    for (const name of ['opening', 'fees', 'complaint'])
      expect(both.body).not.toContain(webId(h, name));
    expect((await get(`/console/api/conversations?q=${PHONE}`)).json.items).toEqual([]);
    expect((await get('/console/api/conversations?channel=wechat-mp')).json.items).toEqual([]);
    const topic = both.json.items[2].topics[0] as string;
    const byTopic = await get(`/console/api/conversations?topic=${encodeURIComponent(topic)}`);
    expect(byTopic.json.items.map((i: { ref: string }) => i.ref)).toContain(opening);
  });

  it('finds the conversation of a ticket and follows the ticket as staff move it', async () => {
    const [ticket] = await h.stores.tickets.list();
    expect(ticket).toBeDefined();
    const found = await get(`/console/api/conversations?ticket=${ticket?.id}`);
    expect(found.json.items).toEqual([
      expect.objectContaining({ ref: webConversation(h, 'complaint'), ticketIds: [ticket?.id] }),
    ]);
    const accepted = await h.app.server.inject({
      method: 'POST',
      url: `/api/admin/tickets/${ticket?.id}/events`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { action: 'accept', by: '李四' },
    });
    expect(accepted.statusCode).toBe(200);
    await h.app.statistics.recorder.settled();
    const { json } = await get('/console/api/overview');
    expect(json.complaints.byStatus).toEqual({ in_progress: 1 });
  });

  it('pages with an opaque cursor and refuses bad filters', async () => {
    const refs: string[] = [];
    let cursor = '';
    for (let page = 0; page < 3; page++) {
      const { json } = await get(`/console/api/conversations?limit=1${cursor}`);
      expect(json.items).toHaveLength(1);
      refs.push(json.items[0].ref);
      if (page < 2) expect(typeof json.next).toBe('string');
      else expect(json.next).toBeNull();
      cursor = `&cursor=${json.next}`;
    }
    expect(new Set(refs).size).toBe(3);
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
