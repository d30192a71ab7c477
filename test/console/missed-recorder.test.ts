// The pipeline's reading of each message reaches the missed-message store through the app's
// observer port: not-understood and unsure readings kept masked, every read message counted.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { missedFromReading, recordMissed } from '../../src/console/missed-recorder.ts';
import { MemoryMissedStore } from '../../src/console/missed-store.ts';
import type { TurnReading } from '../../src/core/pipeline.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import { appConfig, sharedContent } from '../app/harness.ts';

function reading(over: Partial<TurnReading> = {}): TurnReading {
  return {
    conversationId: 'web:c1',
    channel: 'web',
    at: new Date('2026-11-23T02:00:00.000Z'),
    text: '我手机13812345678收不到验证码',
    nlu: {
      intent: 'out_of_scope',
      confidence: 0.3,
      alternatives: [
        { intent: 'out_of_scope', confidence: 0.3 },
        { intent: 'faq.password_reset', confidence: 0.2 },
      ],
      entities: [],
    },
    fallbackStep: 1,
    answering: false,
    ...over,
  };
}

describe('missedFromReading', () => {
  it('keeps a message that fell to the ladder as not understood, masked, with its best topic', () => {
    expect(missedFromReading(reading())).toEqual({
      at: '2026-11-23T02:00:00.000Z',
      channel: 'web',
      text: '我手机138****5678收不到验证码',
      kind: 'not_understood',
      step: 1,
      intent: 'out_of_scope',
      confidence: 0.3,
      topic: 'faq.password_reset',
      topicConfidence: 0.2,
    });
  });

  it('keeps a new question answered below the unsure line as low confidence', () => {
    const unsure = reading({
      fallbackStep: 0,
      text: '开户能用护照吗',
      nlu: {
        intent: 'faq.account_open',
        confidence: 0.55,
        alternatives: [],
        entities: [],
        question: { id: 'open.materials', confidence: 0.4 },
      },
    });
    expect(missedFromReading(unsure)).toMatchObject({
      kind: 'low_confidence',
      topic: 'faq.account_open',
      topicConfidence: 0.55,
      question: 'open.materials',
    });
    expect(missedFromReading(unsure)?.step).toBeUndefined();
    // Sure enough, below the bot's own acting line (a cancel, a keyword), or answering a form: not missed.
    expect(missedFromReading({ ...unsure, nlu: { ...unsure.nlu, confidence: 0.9 } })).toBeNull();
    expect(missedFromReading({ ...unsure, nlu: { ...unsure.nlu, confidence: 0.4 } })).toBeNull();
    expect(missedFromReading({ ...unsure, answering: true })).toBeNull();
    expect(missedFromReading(unsure, { lowConfidenceBelow: 0.5 })).toBeNull();
  });

  it('never misses a message for an out-of-scope reading the bot was sure of', () => {
    expect(
      missedFromReading(
        reading({
          fallbackStep: 0,
          nlu: { intent: 'out_of_scope', confidence: 0.9, alternatives: [], entities: [] },
        }),
      ),
    ).toBeNull();
  });
});

describe('recordMissed', () => {
  it('logs a store failure and never throws into the turn', async () => {
    const logged: string[] = [];
    const store = new MemoryMissedStore();
    store.record = () => Promise.reject(new Error('disk full'));
    const recorder = recordMissed(store, { log: (m) => logged.push(m) });
    expect(() => recorder.onReading(reading())).not.toThrow();
    await recorder.flush();
    expect(logged).toEqual([expect.stringContaining('disk full')]);
  });
});

describe('the app records what the bot missed', () => {
  it('keeps a not-understood message from a real turn and counts every message read', async () => {
    const { content, dialogs, nlu } = sharedContent();
    const missed = new MemoryMissedStore();
    const app = await createApp(appConfig(content), {
      content,
      dialogs,
      nlu,
      stores: createMemoryStores(),
      missed,
      logger: false,
    });
    const say = (text: string) =>
      app.server.inject({
        method: 'POST',
        url: '/api/web/messages',
        payload: { conversationId: 'c1', text },
      });
    const first = await say('呜啦啦巴拉巴拉 13812345678');
    const conversationId = (first.json() as { conversationId: string }).conversationId;
    await app.server.inject({
      method: 'POST',
      url: '/api/web/messages',
      payload: {
        conversationId,
        text: '怎么开户',
        ...((first.json() as { conversationSecret?: string }).conversationSecret
          ? {
              conversationSecret: (first.json() as { conversationSecret: string })
                .conversationSecret,
            }
          : {}),
      },
    });
    await app.close();
    const kept = await missed.list({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' });
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      text: '呜啦啦巴拉巴拉 138****5678',
      kind: 'not_understood',
      step: 1,
      channel: 'web',
    });
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    expect((await missed.tallies(today, today))[0]).toMatchObject({ read: 2, notUnderstood: 1 });
  });
});
