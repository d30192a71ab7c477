// Every overview figure against hand-computed data: four conversations, waits, surveys and
// tickets reported through the statistics port (the hooks the app wires), read back through
// GET /console/api/overview, on each store.
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleApi } from '../../src/console/api.ts';
import {
  createStatisticsRecorder,
  type StatisticsRecorder,
} from '../../src/console/stats/index.ts';
import type { ConsoleStores } from '../../src/console/stats/types.ts';
import type { TurnReading } from '../../src/core/pipeline.ts';
import { createTokenizer } from '../../src/nlu/tokenize.ts';
import { MemoryTranscriptStore } from '../../src/store/memory.ts';
import type { ComplaintTicket } from '../../src/store/types.ts';
import type { ConsoleStoresHarness } from './stats.contract.ts';

const tokenizer = createTokenizer();
export const letThrough = async () => {};

export function reading(
  conversationId: string,
  at: string,
  intent: string,
  confidence: number,
  more: Partial<Omit<TurnReading, 'nlu'>> & { question?: string } = {},
): TurnReading {
  const { question, ...rest } = more;
  return {
    conversationId,
    channel: 'web',
    at: new Date(at),
    text: '',
    nlu: {
      intent,
      confidence,
      alternatives: [],
      entities: [],
      ...(question ? { question: { id: question, confidence } } : {}),
    },
    fallbackStep: 0,
    answering: false,
    ...rest,
  };
}

export function ticket(
  id: string,
  createdAt: string,
  over: Partial<ComplaintTicket> = {},
): ComplaintTicket {
  return {
    id,
    kind: 'complaint',
    conversationId: `web:${id}`,
    channel: 'web',
    createdAt,
    complainant: {},
    description: '测试',
    status: 'open',
    statusHistory: [{ status: 'open', at: createdAt, by: 'bot' }],
    handling: [],
    ...over,
  };
}

const resolved = (t: ComplaintTicket, at: string): ComplaintTicket => ({
  ...t,
  status: 'resolved',
  statusHistory: [...t.statusHistory, { status: 'resolved', at, by: '张三' }],
});

/** Day A = 2026-11-20, day B = 2026-11-21 (Shanghai); "today" is 2026-11-28. */
export function seedScenario(port: StatisticsRecorder): void {
  // c1 (web, A): a question, a turn that falls to the ladder, then asks for a person.
  port.turn(reading('web:c1', '2026-11-20T02:00:00Z', 'account_opening', 0.9, { question: 'q1' }));
  port.turn(reading('web:c1', '2026-11-20T02:01:00Z', 'out_of_scope', 0.2, { fallbackStep: 1 }));
  port.turn(reading('web:c1', '2026-11-20T02:02:00Z', 'human', 0.95, { hadHandoff: true }));
  // c2 (WeChat, A): answered with low confidence.
  port.turn(
    reading('wechat-mp:c2', '2026-11-20T03:00:00Z', 'fees', 0.6, {
      channel: 'wechat-mp',
      question: 'q2',
    }),
  );
  // c3 (web, B): a question, then the answer to a form (not a topic, never "not understood").
  port.turn(reading('web:c3', '2026-11-21T01:00:00Z', 'account_opening', 0.8, { question: 'q1' }));
  port.turn(reading('web:c3', '2026-11-21T01:01:00Z', 'fees', 0.3, { answering: true }));
  // c4: 17:00 UTC on the 20th is 01:00 on the 21st in Shanghai: day B.
  port.turn(reading('web:c4', '2026-11-20T17:00:00Z', 'fees', 0.9));

  port.handoffStarted(new Date('2026-11-20T02:02:00Z'));
  for (const wait of [25_000, 50_000, 200_000]) {
    port.queueLeft(new Date('2026-11-20T02:10:00Z'));
    port.handoffTaken(wait, new Date('2026-11-20T02:10:00Z'));
  }
  port.queueLeft(new Date('2026-11-21T02:10:00Z')); // left without an agent

  port.survey(5, new Date('2026-11-20T04:00:00Z'));
  port.survey(4, new Date('2026-11-20T05:00:00Z'));
  port.survey(2, new Date('2026-11-21T05:00:00Z'));
  port.survey(9, new Date('2026-11-21T05:00:00Z')); // not a score: ignored

  const t1 = ticket('TS20261120-0001', '2026-11-20T02:30:00Z', {
    category: '交易系统',
    department: '信息技术部',
    replyDueBy: '2026-11-25',
  });
  port.ticket(t1);
  port.ticket(resolved(t1, '2026-11-24T02:00:00Z')); // in time
  const t2 = ticket('TS20261121-0001', '2026-11-21T02:30:00Z', {
    category: '收费',
    department: '运营管理部',
    replyDueBy: '2026-11-26',
  });
  port.ticket(t2);
  port.ticket({ ...t2, department: '客户服务部' }); // transferred; open past its due date: late
  port.ticket(
    ticket('TS20261121-0002', '2026-11-21T03:00:00Z', {
      category: '交易系统',
      department: '信息技术部',
      replyDueBy: '2026-12-05', // not decided yet
    }),
  );
  const t4 = ticket('TS20261120-0002', '2026-11-20T06:00:00Z', {
    kind: 'callback',
    replyDueBy: '2026-11-21',
  });
  port.ticket(t4);
  port.ticket(resolved(t4, '2026-11-23T02:00:00Z')); // a call-back, answered late
  // Outside the range, for the early warning: one in the 7 days to B, one in the 28 before.
  port.ticket(ticket('TS20261116-0001', '2026-11-16T02:00:00Z', { category: '交易系统' }));
  port.ticket(ticket('TS20261025-0001', '2026-10-25T02:00:00Z', { category: '交易系统' }));
}

export const EXPECTED_OVERVIEW = {
  range: { from: '2026-11-20', to: '2026-11-21' },
  conversationsByDay: [
    { day: '2026-11-20', channel: 'web', count: 1 },
    { day: '2026-11-20', channel: 'wechat-mp', count: 1 },
    { day: '2026-11-21', channel: 'web', count: 2 },
  ],
  containment: { conversations: 4, withoutHuman: 3, share: 0.75 },
  fallbackRate: 0.1429, // 1 of 7 turns
  handoffRate: 0.25, // 1 handoff, 4 conversations
  // waits 25 s, 50 s, 200 s: buckets up to 30 s, 60 s and 240 s
  handoffWait: { medianMs: 60_000, p90Ms: 240_000, abandoned: 1 },
  satisfaction: {
    distribution: { '1': 0, '2': 1, '3': 0, '4': 1, '5': 1 },
    trend: [
      { day: '2026-11-20', average: 4.5, count: 2 },
      { day: '2026-11-21', average: 2, count: 1 },
    ],
  },
  complaints: {
    byCategory: { 交易系统: 2, 收费: 1 },
    byDepartment: { 信息技术部: 2, 客户服务部: 1 },
    byStatus: { resolved: 1, open: 2 },
  },
  answeredInTimeShare: 0.3333, // T1 in time; T2 past due, T4 late; T3 undecided
  topTopics: [
    { topic: 'account_opening', count: 2 },
    { topic: 'fees', count: 2 },
    { topic: 'human', count: 1 },
  ],
  topQuestions: [
    { id: 'q1', count: 2 },
    { id: 'q2', count: 1 },
  ],
  notUnderstoodTrend: [
    { day: '2026-11-20', share: 0.5 }, // a fallback and a low-confidence answer of 4 turns
    { day: '2026-11-21', share: 0 },
  ],
  alerts: [
    {
      category: '交易系统',
      recent: 3,
      baseline: 0.25,
      message: '「交易系统」类投诉近7天3件，此前四周平均每周0.25件，明显上升，请关注。',
    },
  ],
};

export function describeOverviewFigures(
  name: string,
  harness: () => Promise<ConsoleStoresHarness>,
): void {
  describe(`console overview figures: ${name}`, () => {
    let h: ConsoleStoresHarness;
    afterEach(async () => {
      await h?.cleanup();
    });

    async function overview(stores: ConsoleStores, query: string) {
      const server = Fastify();
      await server.register(
        consoleApi({
          stores,
          transcripts: new MemoryTranscriptStore(),
          tokenizer,
          authorize: letThrough,
          clock: () => new Date('2026-11-28T04:00:00Z'),
        }),
      );
      const response = await server.inject({ url: `/console/api/overview${query}` });
      await server.close();
      return response;
    }

    it('gives every figure as computed by hand, also after the next handle opens', async () => {
      h = await harness();
      const stores = await h.open();
      const recorder = createStatisticsRecorder({ stores, tokenizer, log: (m) => expect.fail(m) });
      seedScenario(recorder);
      await recorder.settled();
      const response = await overview(stores, '?from=2026-11-20&to=2026-11-21');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(EXPECTED_OVERVIEW);
      await stores.close();
      const again = await overview(await h.open(), '?from=2026-11-20&to=2026-11-21');
      expect(again.json()).toEqual(EXPECTED_OVERVIEW);
    });

    it('defaults to the last 30 days and refuses a bad range', async () => {
      h = await harness();
      const stores = await h.open();
      const recorder = createStatisticsRecorder({ stores, tokenizer, log: (m) => expect.fail(m) });
      seedScenario(recorder);
      await recorder.settled();
      const response = await overview(stores, '');
      expect(response.json()).toMatchObject({
        range: { from: '2026-10-30', to: '2026-11-28' },
        containment: { conversations: 4 },
        // the 28th's 7 days hold no complaint: no alert
        alerts: [],
      });
      expect((await overview(stores, '?from=2026-11-21&to=2026-11-20')).statusCode).toBe(400);
      expect((await overview(stores, '?from=2026-02-30')).statusCode).toBe(400);
      expect((await overview(stores, '?from=2024-01-01&to=2026-01-01')).statusCode).toBe(400);
      // an empty span: shares are null, not a division by zero
      expect((await overview(stores, '?from=2026-01-01&to=2026-01-05')).json()).toMatchObject({
        containment: { conversations: 0, withoutHuman: 0, share: null },
        fallbackRate: null,
        handoffWait: { medianMs: null, p90Ms: null, abandoned: 0 },
        answeredInTimeShare: null,
      });
    });
  });
}
