// The observers the app puts around the agent queue and the ticket store report exactly what
// happened: a wait per claim, a queue exit per removal that took someone out, every ticket change.
import { describe, expect, it } from 'vitest';
import { createStatisticsRecorder, memoryConsoleStores } from '../../src/console/stats/index.ts';
import { observedHandoffQueue, observedTicketStore } from '../../src/console/stats/observed.ts';
import type { StatisticsPort } from '../../src/console/stats/recorder.ts';
import { MemoryHandoffQueue } from '../../src/handoff/queue.ts';
import { MemoryTicketStore } from '../../src/store/memory.ts';
import type { ComplaintTicket } from '../../src/store/types.ts';
import { createTokenizer } from '../../src/nlu/tokenize.ts';
import { ticket } from './stats-overview.ts';

function listeningPort() {
  const heard: string[] = [];
  const tickets: ComplaintTicket[] = [];
  const port: StatisticsPort = {
    turn: () => heard.push('turn'),
    handoffStarted: () => heard.push('started'),
    handoffTaken: (waitMs) => heard.push(`taken ${waitMs}`),
    queueLeft: () => heard.push('left'),
    survey: (score) => heard.push(`survey ${score}`),
    ticket: (ticket) => tickets.push(ticket),
  };
  return { port, heard, tickets };
}

const clock = () => new Date('2026-11-20T02:00:00Z');

describe('statistics observers', () => {
  it('hears a wait per claim and a queue exit only when someone left it', async () => {
    const { port, heard } = listeningPort();
    const queue = observedHandoffQueue(new MemoryHandoffQueue(), port, clock);
    await queue.enqueue('web:a', 1000);
    await queue.enqueue('web:b', 2000);
    expect(await queue.position('web:b')).toBe(2);
    expect(await queue.remove('web:a')).toBe(true);
    await queue.recordWait(45_000);
    expect(await queue.remove('web:a')).toBe(false); // not waiting any more: nothing left
    expect(await queue.remove('web:b')).toBe(true);
    expect(heard).toEqual(['left', 'taken 45000', 'left']);
    expect(await queue.recentWaits()).toEqual([45_000]);
  });

  it('hears every ticket a change returns, with its new state', async () => {
    const { port, tickets } = listeningPort();
    const store = observedTicketStore(new MemoryTicketStore({ clock }), port);
    const created = await store.create(
      {
        kind: 'complaint',
        conversationId: 'web:a',
        channel: 'web',
        createdAt: clock().toISOString(),
        complainant: {},
        description: '交易系统卡顿',
        category: '交易系统',
      },
      'bot',
    );
    await store.setStatus(created.id, { status: 'in_progress', by: '张三' });
    await store.change(created.id, { set: { department: '信息技术部' } });
    await store.addHandling(created.id, { by: '张三', action: '回电' });
    await store.get(created.id);
    await store.list();
    expect(tickets.map((t) => [t.status, t.department ?? null])).toEqual([
      ['open', null],
      ['in_progress', null],
      ['in_progress', '信息技术部'],
      ['in_progress', '信息技术部'],
    ]);
  });
});

describe('recounting tickets on start', () => {
  it('counts tickets registered before the statistics, once however often it runs', async () => {
    const stores = memoryConsoleStores();
    const recorder = createStatisticsRecorder({
      stores,
      tokenizer: createTokenizer(),
      log: (m) => expect.fail(m),
    });
    const existing = [
      ticket('TS20261120-0001', '2026-11-20T02:00:00Z', { category: '收费' }),
      ticket('TS20261120-0002', '2026-11-20T03:00:00Z', { category: '收费', status: 'resolved' }),
    ];
    recorder.recountTickets(async () => existing);
    recorder.recountTickets(async () => existing);
    await recorder.settled();
    expect(Object.fromEntries(await stores.statistics.read('2026-11-20', '2026-11-20'))).toEqual({
      '2026-11-20': {
        complaint: 2,
        'cat:收费': 2,
        'dept:未分配': 2,
        'status:open': 1,
        'status:resolved': 1,
      },
    });
    expect((await stores.conversations.get('web:TS20261120-0001'))?.ticketIds).toEqual([
      'TS20261120-0001',
    ]);
  });
});
