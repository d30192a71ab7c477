// Run as its own process with --expose-gc: 12,500 conversations through the real pipeline on the
// memory stores (the case that once kept +63 MB for ever), then idle past their lifetime. Prints
// the heap before, at the peak and after expiry as one JSON line.
import { createApp } from '../../../src/app.ts';
import {
  alwaysHealthy,
  MemoryStateStore,
  MemoryTicketStore,
  MemoryTranscriptStore,
} from '../../../src/store/memory.ts';
import type { Stores } from '../../../src/store/index.ts';
import { appConfig, sharedContent } from '../../app/harness.ts';

const CONVERSATIONS = Number(process.env.PROBE_CONVERSATIONS ?? 12_500);
const IDLE_MS = Number(process.env.PROBE_IDLE_MS ?? 2000);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function heapMb(): number {
  for (let i = 0; i < 3; i++) gc!();
  return Math.round((process.memoryUsage().heapUsed / 1024 / 1024) * 10) / 10;
}

async function main(): Promise<void> {
  const { content, dialogs, nlu } = sharedContent();
  // The stores' clock stands still while conversations arrive (however slow the machine, none
  // expires early), then jumps past their lifetime; their own sweep timers do the rest.
  let now = Date.now();
  const clock = () => new Date(now);
  const stores: Stores = {
    states: new MemoryStateStore({ stateTtlMs: IDLE_MS, clock }),
    transcripts: new MemoryTranscriptStore({ idleMs: IDLE_MS, clock }),
    tickets: new MemoryTicketStore(),
    health: alwaysHealthy,
    kind: 'embedded',
    close: async () => {},
  };
  const app = await createApp(appConfig(content), { content, dialogs, nlu, stores });
  const turn = (i: number, text: string) =>
    app.gateway.handleInbound({
      channel: 'web',
      conversationId: `web:probe-${i}`,
      userId: `web:probe-${i}`,
      receivedAt: new Date().toISOString(),
      content: { kind: 'text', text },
    });
  // Warm every code path first, and let the warm-up conversations expire, for a fair baseline.
  for (let i = 0; i < 200; i++) await turn(-1 - i, i % 2 ? '我要投诉' : '开户需要什么材料');
  now += IDLE_MS + 1;
  await sleep(IDLE_MS + 500);
  const baseline = heapMb();
  const rssBaseline = Math.round(process.memoryUsage().rss / 1024 / 1024);

  for (let i = 0; i < CONVERSATIONS; i++) {
    await turn(i, '我要投诉');
    await turn(i, '张三');
  }
  const peak = heapMb();
  const rssPeak = Math.round(process.memoryUsage().rss / 1024 / 1024);

  // Idle: nobody writes; the stores' own sweepers must give the memory back.
  now += IDLE_MS + 1;
  await sleep(IDLE_MS + 500);
  const after = heapMb();
  const rssAfter = Math.round(process.memoryUsage().rss / 1024 / 1024);
  console.log(
    JSON.stringify({
      conversations: CONVERSATIONS,
      heapBaselineMb: baseline,
      heapPeakMb: peak,
      heapAfterMb: after,
      rssBaselineMb: rssBaseline,
      rssPeakMb: rssPeak,
      rssAfterMb: rssAfter,
    }),
  );
  await app.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
