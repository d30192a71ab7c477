import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { RedisHandoffBus, type AgentEvent } from '../../src/handoff/bus.ts';
import { createHandoffService, type HandoffRuntime } from '../../src/handoff/handoff-service.ts';
import { RedisHandoffQueue } from '../../src/handoff/queue.ts';
import { closeRedis, connectRedis, createStores, type Stores } from '../../src/store/index.ts';
import {
  CUSTOMER_LINES,
  FakeDesk,
  fakeControl,
  RecordingOutlet,
  saveHandoff,
  seedConversation,
  settings,
  SURVEY_PROMPT,
} from './harness.ts';

const redisUrl = inject('redisUrl');
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Instance {
  name: string;
  service: HandoffRuntime;
  stores: Stores;
  outlet: RecordingOutlet;
}

async function instance(name: string, prefix: string, desk: FakeDesk): Promise<Instance> {
  const stores = await createStores({ redisUrl, keyPrefix: prefix });
  const queueRedis = await connectRedis(redisUrl);
  const busRedis = await connectRedis(redisUrl);
  const outlet = new RecordingOutlet('web', true);
  const service = createHandoffService({
    desk,
    queue: new RedisHandoffQueue(queueRedis, prefix),
    bus: new RedisHandoffBus(busRedis, { prefix, instanceId: name, blockMs: 200, log: () => {} }),
    states: stores.states,
    transcripts: stores.transcripts,
    tickets: stores.tickets,
    outlets: (c) => (c === 'web' ? outlet : undefined),
    settings: settings({ broadcastChannels: ['web'] }),
    log: () => {},
  });
  service.bindControl(fakeControl(stores.states));
  await service.startWorkers({ checkEveryMs: 0 });
  cleanups.push(async () => {
    await service.stopWorkers();
    await closeRedis(queueRedis);
    await closeRedis(busRedis);
    await stores.close();
  });
  return { name, service, stores, outlet };
}

describe('two bot instances sharing Redis', () => {
  it("relays an agent's reply that arrives at B to the customer connected to A, once", async () => {
    const prefix = `csbot-test-${randomUUID()}:`;
    const desk = new FakeDesk(); // one Slack workspace seen by both instances
    const a = await instance('A', prefix, desk);
    const b = await instance('B', prefix, desk);
    const id = 'web:r1';
    a.outlet.connected.add(id);

    const request = await seedConversation(
      a.stores.states,
      a.stores.transcripts,
      id,
      'web',
      CUSTOMER_LINES,
    );
    const started = await a.service.start(request);
    await saveHandoff(a.stores.states, id, started.handoff);
    const threadKey = desk.threads[0]!.key;

    // Slack calls instance B for the claim and the reply (and retries the reply at A).
    expect(await b.service.conversationForThread(threadKey)).toBe(id);
    await b.service.claimed(id, { id: 'U1', name: '张三' }, 'claim-1');
    await vi.waitFor(
      () => expect(a.outlet.texts(id)).toContain('客服专员 张三 已为您服务，请问有什么可以帮您？'),
      { timeout: 5000 },
    );
    await b.service.agentReply(id, { id: 'U1', name: '张三' }, '您好，我来帮您查一下', 'Ev-1');
    await a.service.agentReply(id, { id: 'U1', name: '张三' }, '您好，我来帮您查一下', 'Ev-1');
    await vi.waitFor(() => expect(a.outlet.texts(id)).toContain('您好，我来帮您查一下'), {
      timeout: 5000,
    });
    // Instead of sleeping: the agent's next reply arrives after any second copy of the first.
    await b.service.agentReply(id, { id: 'U1', name: '张三' }, '请稍等', 'Ev-2');
    await vi.waitFor(() => expect(a.outlet.texts(id)).toContain('请稍等'), { timeout: 5000 });
    expect(a.outlet.texts(id).filter((t) => t === '您好，我来帮您查一下')).toHaveLength(1);
    expect(b.outlet.delivered).toHaveLength(0);
    const agentLines = (await b.stores.transcripts.list(id)).filter((e) => e.direction === 'agent');
    expect(agentLines.map((e) => e.text)).toEqual(['您好，我来帮您查一下', '请稍等']);

    // Closing at B hands the conversation back; the survey reaches the customer at A.
    await b.service.closed(id, { id: 'U1', name: '张三' }, 'close-1');
    await vi.waitFor(() => expect(a.outlet.texts(id)).toContain(SURVEY_PROMPT), { timeout: 5000 });
    expect((await a.stores.states.load(id))!.state.handoff).toBeNull();
    expect(desk.threads[0]!.ended).toContain('张三');
  });

  it('reclaims an event a crashed instance read but never acknowledged', async () => {
    const prefix = `csbot-test-${randomUUID()}:`;
    const raw = await connectRedis(redisUrl);
    cleanups.push(() => closeRedis(raw));
    const stream = `${prefix}handoff:events`;
    await raw.xGroupCreate(stream, 'handoff', '0', { MKSTREAM: true });
    const publisher = new RedisHandoffBus(raw, { prefix, instanceId: 'publisher' });
    const event: AgentEvent = {
      type: 'agent_reply',
      conversationId: 'web:lost',
      agent: { id: 'U1', name: '张三' },
      text: '在吗',
    };
    expect(await publisher.publish('Ev-lost', event)).toBe(true);
    expect(await publisher.publish('Ev-lost', event)).toBe(false);
    // The "dead" instance takes the entry and crashes before XACK.
    await raw.xReadGroup('handoff', 'dead', { key: stream, id: '>' }, { COUNT: 10 });

    const handled: AgentEvent[] = [];
    const busRedis = await connectRedis(redisUrl);
    const survivor = new RedisHandoffBus(busRedis, {
      prefix,
      instanceId: 'survivor',
      blockMs: 100,
      reclaimIdleMs: 50,
      reclaimEveryMs: 100,
    });
    cleanups.push(async () => {
      await survivor.stop();
      await closeRedis(busRedis);
    });
    await survivor.start({
      handle: async (e) => void handled.push(e),
      deliverLocally: async () => {},
    });
    await vi.waitFor(() => expect(handled).toEqual([event]), { timeout: 5000 });
    await vi.waitFor(async () => expect((await raw.xPending(stream, 'handoff')).pending).toBe(0), {
      timeout: 5000,
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(handled).toHaveLength(1);
  });
});
