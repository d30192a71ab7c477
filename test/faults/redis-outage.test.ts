// The whole app on Redis while its redis-server is killed, restarted and paused under it: the
// process stays up, /healthz says degraded, every customer hears "please try again" within 3 s,
// nothing they wrote is lost (spooled, then replayed in order), a turn Redis never finished
// creates no ticket, and everything recovers by itself.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { internalConversationId } from '../../src/channels/web/index.ts';
import { RedisHandoffBus } from '../../src/handoff/bus.ts';
import { createHandoffService } from '../../src/handoff/handoff-service.ts';
import { RedisHandoffQueue } from '../../src/handoff/queue.ts';
import {
  closeRedis,
  connectRedis,
  createStores,
  type Redis,
  type Stores,
} from '../../src/store/index.ts';
import { appConfig, sharedContent } from '../app/harness.ts';
import {
  fakeControl,
  FakeDesk,
  RecordingOutlet,
  saveHandoff,
  seedConversation,
  settings,
  CUSTOMER_LINES,
} from '../handoff/harness.ts';
import { startControllableRedis, type ControllableRedis } from '../support/redis-server.ts';
import { BUSY, COMPLAINT_STEPS, WebChatClient } from './support/web-client.ts';

const POLITE_WITHIN_MS = 3000;

describe('the app while Redis goes away and comes back', () => {
  let server: ControllableRedis;
  let stores: Stores;
  let handoffRedis: Redis;
  let app: App;
  let url: string;
  let dataDir: string;

  beforeAll(async () => {
    server = await startControllableRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'csbot-outage-'));
    const { content, dialogs, nlu } = sharedContent();
    const keyPrefix = `csbot-outage-${randomUUID()}:`;
    stores = await createStores({
      redisUrl: server.url,
      keyPrefix,
      dataDir,
      warn: () => {},
    });
    handoffRedis = await connectRedis(server.url, { onError: () => {} });
    app = await createApp(
      { ...appConfig(content), redisKeyPrefix: keyPrefix },
      { content, dialogs, nlu, stores, redis: handoffRedis },
    );
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await stores?.close();
    if (handoffRedis) await closeRedis(handoffRedis);
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const health = async () => (await fetch(`${url}/healthz`)).status;
  const waitHealthy = () =>
    vi.waitFor(async () => expect(await health()).toBe(200), { timeout: 15_000, interval: 100 });

  it('keeps serving through five kills and a pause, losing no message and no ticket', async () => {
    const customer = new WebChatClient(url, `outage-${randomUUID()}`);
    const sent: string[] = [];
    const say = async (text: string) => {
      sent.push(text);
      return customer.say(text);
    };
    const slowestBusyMs: number[] = [];
    const steps = COMPLAINT_STEPS;
    // Redis is killed before steps 2-6, and paused before the step that files the ticket.
    const killedBefore = new Set([1, 2, 3, 4, 5]);
    const pausedBefore = steps.length - 1;

    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (killedBefore.has(i) || i === pausedBefore) {
        if (i === pausedBefore) server.pause();
        else await server.kill();
        const busy = await say(step.say);
        expect(busy.status).toBe(200);
        expect(busy.texts.join('')).toContain(BUSY);
        expect(busy.ms).toBeLessThan(POLITE_WITHIN_MS);
        slowestBusyMs.push(busy.ms);
        expect(await health()).toBe(503);
        if (i === pausedBefore) server.resume();
        else await server.restart();
        await waitHealthy();
        // The turn Redis never finished filed nothing: no ticket the customer never saw.
        if (i === pausedBefore) {
          expect(
            await stores.tickets.list({
              conversationId: internalConversationId(customer.conversationId),
            }),
          ).toEqual([]);
        }
      }
      // The same answer again, as a customer does after "please try again": the form resumes.
      const answer = await say(step.say);
      expect(answer.status).toBe(200);
      expect(answer.texts.join('\n')).toContain(step.expect);
    }

    const tickets = await stores.tickets.list({
      conversationId: internalConversationId(customer.conversationId),
    });
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({
      complainant: { name: '张三', phone: '13812345678' },
      category: '收费',
    });

    // Every line the customer wrote is in the record, in the order they wrote it.
    const history = await customer.history();
    const customerLines = history.filter((l) => l.direction === 'customer').map((l) => l.text);
    expect(customerLines).toEqual(sent);
    const busyLines = history.filter((l) => l.direction === 'bot' && l.text.includes(BUSY));
    expect(busyLines).toHaveLength(killedBefore.size + 1);
    console.info(
      `[faults] redis outage: ${killedBefore.size} kills + 1 pause, polite reply in ` +
        `${Math.max(...slowestBusyMs)} ms at most, ${sent.length} customer lines kept, 1 ticket`,
    );
  }, 120_000);
});

describe('handoff workers while Redis goes away', () => {
  let server: ControllableRedis;

  beforeAll(async () => {
    server = await startControllableRedis();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('survive a killed Redis (no unhandled rejection from the queue timer) and recover', async () => {
    const prefix = `csbot-handoff-outage-${randomUUID()}:`;
    const stores = await createStores({ redisUrl: server.url, keyPrefix: prefix, warn: () => {} });
    const redis = await connectRedis(server.url, { onError: () => {} });
    const logged: string[] = [];
    const desk = new FakeDesk();
    const bus = new RedisHandoffBus(redis, {
      prefix,
      instanceId: 'outage',
      blockMs: 100,
      log: (m) => logged.push(m),
    });
    const service = createHandoffService({
      desk,
      queue: new RedisHandoffQueue(redis, prefix),
      bus,
      states: stores.states,
      transcripts: stores.transcripts,
      tickets: stores.tickets,
      outlets: () => new RecordingOutlet('web'),
      settings: settings(),
      log: (m) => logged.push(m),
    });
    service.bindControl(fakeControl(stores.states));
    try {
      const request = await seedConversation(
        stores.states,
        stores.transcripts,
        'web:waiting',
        'web',
        CUSTOMER_LINES,
      );
      const started = await service.start(request);
      await saveHandoff(stores.states, 'web:waiting', started.handoff);
      await service.startWorkers({ checkEveryMs: 50 });

      await server.kill();
      // The queue check runs about 30 times against a dead Redis; the bus readers fail too.
      await new Promise((r) => setTimeout(r, 1500));
      expect(logged.some((m) => m.includes('reading the queue failed'))).toBe(true);
      const readFailures = logged.filter((m) => m.includes('handoff bus read failed'));
      expect(readFailures.length).toBeLessThanOrEqual(1);

      await server.restart();
      // The bus serves agents again by itself: a claim published now is handled.
      await vi.waitFor(
        async () => {
          await service.claimed('web:waiting', { id: 'U1', name: '张三' }, `claim-${randomUUID()}`);
          const state = await stores.states.load('web:waiting');
          expect((state?.state.handoff as { status?: string } | null)?.status).toBe('claimed');
        },
        { timeout: 15_000, interval: 500 },
      );
    } finally {
      await service.stopWorkers();
      await stores.close();
      await closeRedis(redis);
    }
  }, 60_000);
});
