// GET /console/api/missed: the groups and the not-understood trend of a span of Shanghai days,
// behind the guard its caller hands in.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsoleAuthorize } from '../../src/console/auth.ts';
import { missedApi } from '../../src/console/missed-api.ts';
import { MemoryMissedStore } from '../../src/console/missed-store.ts';
import { loadContent } from '../../src/content/load.ts';
import { ROOT } from '../app/harness.ts';
import { missed } from './missed-store.contract.ts';

const content = loadContent({ rootDir: ROOT });
const passThrough: ConsoleAuthorize = async () => {};
const refusing: ConsoleAuthorize = async (_request, reply) => {
  await reply.code(401).send({ error: { code: 'unauthorized', message: 'sign in first' } });
};
// 2026-11-23 10:00 in Shanghai.
const now = new Date('2026-11-23T02:00:00.000Z');

async function seed(store: MemoryMissedStore): Promise<void> {
  const at = (iso: string) => new Date(iso);
  // 2026-11-21 (Shanghai): 4 read, 1 not understood.
  for (let i = 0; i < 3; i++) await store.record(at('2026-11-21T03:00:00.000Z'), null);
  await store.record(
    at('2026-11-21T04:00:00.000Z'),
    missed('2026-11-21T04:00:00.000Z', '开户能用护照吗', {
      intent: 'faq.account_open',
      confidence: 0.4,
    }),
  );
  // 2026-11-23: 2 read, 1 not understood, 1 unsure.
  await store.record(
    at('2026-11-23T01:00:00.000Z'),
    missed('2026-11-23T01:00:00.000Z', '护照可以开户吗', {
      intent: 'faq.account_open',
      confidence: 0.3,
    }),
  );
  await store.record(
    at('2026-11-23T01:10:00.000Z'),
    missed('2026-11-23T01:10:00.000Z', '基金定投在哪里设置', {
      kind: 'low_confidence',
      intent: 'faq.wealth_products',
      confidence: 0.55,
      step: undefined,
    }),
  );
}

describe('GET /console/api/missed', () => {
  let server: FastifyInstance;
  let store: MemoryMissedStore;

  async function build(authorize: ConsoleAuthorize): Promise<void> {
    server = Fastify();
    store = new MemoryMissedStore({}, () => now);
    await seed(store);
    await server.register(
      missedApi({ missed: store, authorize, intents: () => content.intents, clock: () => now }),
    );
  }

  beforeEach(async () => build(passThrough));
  afterEach(async () => server.close());

  it('groups the span, largest first, with the trend of each day', async () => {
    const res = await server.inject('/console/api/missed?from=2026-11-21&to=2026-11-23');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      from: '2026-11-21',
      to: '2026-11-23',
      total: 3,
      notUnderstood: 2,
      lowConfidence: 1,
      read: 6,
    });
    expect(body.groups).toHaveLength(2);
    expect(body.groups[0]).toMatchObject({
      size: 2,
      examples: ['开户能用护照吗', '护照可以开户吗'],
      likelyTopic: 'faq.account_open',
      confidence: 0.35,
      snippetTarget: {
        file: 'intents/account.yaml',
        intent: 'faq.account_open',
        under: 'examples',
      },
    });
    expect(body.groups[0].snippet).toContain('      - 开户能用护照吗\n');
    expect(body.groups[1]).toMatchObject({
      size: 1,
      likelyTopic: 'faq.wealth_products',
      lowConfidence: 1,
    });
    expect(body.trend).toEqual([
      { day: '2026-11-21', share: 0.25, read: 4, notUnderstood: 1, lowConfidence: 0 },
      { day: '2026-11-22', share: null, read: 0, notUnderstood: 0, lowConfidence: 0 },
      { day: '2026-11-23', share: 0.5, read: 2, notUnderstood: 1, lowConfidence: 1 },
    ]);
  });

  it('covers the last seven days by default and only the days asked for otherwise', async () => {
    const all = (await server.inject('/console/api/missed')).json();
    expect(all).toMatchObject({ from: '2026-11-17', to: '2026-11-23', total: 3 });
    expect(all.trend).toHaveLength(7);
    const one = (await server.inject('/console/api/missed?from=2026-11-23&to=2026-11-23')).json();
    expect(one).toMatchObject({ total: 2, read: 2 });
  });

  it('answers 400 for a period it cannot read', async () => {
    for (const query of [
      'from=yesterday',
      'from=2026-11-23&to=2026-11-01',
      'from=2024-01-01&to=2026-11-23',
      'to=2026-13-45',
    ]) {
      const res = await server.inject(`/console/api/missed?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toBe('bad_period');
    }
  });

  it("answers 401 when the caller's guard refuses, before reading anything", async () => {
    await server.close();
    await build(refusing);
    store.list = () => Promise.reject(new Error('must not be read'));
    const res = await server.inject('/console/api/missed');
    expect(res.statusCode).toBe(401);
  });
});
