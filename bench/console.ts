// npm run bench:console — how long the console's overview and a conversation search take at
// size: 100,000 conversations (two turns each, over 90 days) and 5,000 tickets reported through
// the statistics recorder (the app's own hooks), on the embedded file store and on Redis. Times
// GET /console/api/overview (default 30 days) and two searches through the fastify plugin,
// median of several runs, and writes the Console section of docs/benchmarks.md.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { consoleApi } from '../src/console/api.ts';
import {
  createStatisticsRecorder,
  openConsoleStores,
  type ConsoleStores,
} from '../src/console/stats/index.ts';
import type { TurnReading } from '../src/core/pipeline.ts';
import { shanghaiDay } from '../src/core/workdays.ts';
import { createTokenizer } from '../src/nlu/tokenize.ts';
import { closeRedis, connectRedis } from '../src/store/index.ts';
import { MemoryTranscriptStore } from '../src/store/memory.ts';
import type { ComplaintCategory, ComplaintTicket } from '../src/store/types.ts';
import { startPrivateRedis } from '../test/support/redis-server.ts';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const TICKETS = Number(process.env.BENCH_TICKETS ?? 5_000);
const DAYS = 90;
const RUNS = 7;
const BATCH = 500;
const DOCS = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const START = '<!-- console:start -->';
const END = '<!-- console:end -->';
const TARGET_MS = { overview: 300, search: 1000 };

const CHANNELS = ['web', 'web', 'web', 'wechat-mp', 'wecom', 'botframework'] as const;
const TOPICS = Array.from({ length: 40 }, (_, i) => `topic_${i}`);
const PHRASES = [
  '开户需要带什么材料',
  '股票交易佣金怎么收',
  '银证转账失败怎么办',
  '科创板权限怎么开通',
  '融资融券的利率是多少',
  '忘记资金密码了',
  '新股申购的额度怎么算',
  '手机上怎么查看交割单',
  '基金赎回多久到账',
  '我要投诉客户经理的服务态度',
];
const CATEGORIES: ComplaintCategory[] = [
  '服务态度',
  '交易系统',
  '收费',
  '产品销售/适当性',
  '信息披露',
  '其他',
];
const DEPARTMENTS = ['客户服务部', '信息技术部', '运营管理部', '合规部'];

/** A small deterministic generator, so every run seeds the same data. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.floor(r * items.length) % items.length] as T;
}

async function seed(stores: ConsoleStores, now: Date): Promise<number> {
  const started = Date.now();
  const recorder = createStatisticsRecorder({
    stores,
    tokenizer: createTokenizer(),
    log: (m) => console.warn(m),
  });
  const rnd = random(42);
  for (let i = 0; i < CONVERSATIONS; i++) {
    const at = new Date(now.getTime() - Math.floor(rnd() * DAYS * 86_400_000));
    const conversationId = `${pick(CHANNELS, rnd())}:bench-${i}`;
    const channel = conversationId.slice(0, conversationId.indexOf(':')) as TurnReading['channel'];
    for (let turn = 0; turn < 2; turn++) {
      const confidence = rnd();
      recorder.turn({
        conversationId,
        channel,
        at: new Date(at.getTime() + turn * 60_000),
        text: pick(PHRASES, rnd()),
        nlu: {
          intent: pick(TOPICS, rnd()),
          confidence,
          alternatives: [],
          entities: [],
          question: { id: `q_${Math.floor(rnd() * 300)}`, confidence },
        },
        fallbackStep: confidence < 0.2 ? 1 : 0,
        answering: false,
        hadHandoff: rnd() < 0.1,
      });
    }
    if (rnd() < 0.1) recorder.handoffStarted(at);
    if (rnd() < 0.08) {
      recorder.queueLeft(at);
      recorder.handoffTaken(Math.floor(rnd() * 600_000), at);
    }
    if (rnd() < 0.2) recorder.survey(1 + Math.floor(rnd() * 5), at);
    if (i % BATCH === BATCH - 1) await recorder.settled();
  }
  for (let i = 0; i < TICKETS; i++) {
    const createdAt = new Date(now.getTime() - Math.floor(rnd() * DAYS * 86_400_000));
    const day = shanghaiDay(createdAt);
    const ticket: ComplaintTicket = {
      id: `TS${day.replaceAll('-', '')}-${String(i).padStart(4, '0')}`,
      kind: rnd() < 0.8 ? 'complaint' : 'callback',
      conversationId: `web:bench-${Math.floor(rnd() * CONVERSATIONS)}`,
      channel: 'web',
      createdAt: createdAt.toISOString(),
      complainant: {},
      category: pick(CATEGORIES, rnd()),
      department: pick(DEPARTMENTS, rnd()),
      description: '基准测试工单',
      status: pick(['open', 'in_progress', 'resolved', 'closed'] as const, rnd()),
      statusHistory: [{ status: 'open', at: createdAt.toISOString(), by: 'bot' }],
      handling: [],
      replyDueBy: shanghaiDay(new Date(createdAt.getTime() + 7 * 86_400_000)),
    };
    recorder.ticket(ticket);
    if (i % BATCH === BATCH - 1) await recorder.settled();
  }
  await recorder.settled();
  return Date.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

interface Timing {
  overviewMs: number;
  searchWordsMs: number;
  searchTicketMs: number;
  searchHits: number;
  seedMs: number;
}

async function measure(stores: ConsoleStores, seedMs: number): Promise<Timing> {
  const server = Fastify();
  await server.register(
    consoleApi({
      stores,
      transcripts: new MemoryTranscriptStore(),
      tokenizer: createTokenizer(),
      authorize: async () => {},
    }),
  );
  const time = async (url: string): Promise<{ ms: number; json: { items?: unknown[] } }> => {
    const started = process.hrtime.bigint();
    const response = await server.inject({ url });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (response.statusCode !== 200)
      throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return { ms, json: response.json() };
  };
  const words = `/console/api/conversations?channel=web&q=${encodeURIComponent('开户材料')}&limit=20`;
  const ticketUrl = `/console/api/conversations?ticket=TS${shanghaiDay(new Date()).replaceAll('-', '')}-0001`;
  await time('/console/api/overview');
  await time(words);
  const overview: number[] = [];
  const search: number[] = [];
  const ticket: number[] = [];
  let hits = 0;
  for (let i = 0; i < RUNS; i++) {
    overview.push((await time('/console/api/overview')).ms);
    const found = await time(words);
    hits = found.json.items?.length ?? 0;
    search.push(found.ms);
    ticket.push((await time(ticketUrl)).ms);
  }
  await server.close();
  return {
    overviewMs: median(overview),
    searchWordsMs: median(search),
    searchTicketMs: median(ticket),
    searchHits: hits,
    seedMs,
  };
}

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB RAM, ${platform()} ${release()}, Node ${process.version}`;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const verdict = (value: number, target: number) => (value < target ? 'met' : '**missed**');

function section(results: Record<'embedded' | 'redis', Timing>): string {
  const rows = (['embedded', 'redis'] as const).map((kind) => {
    const r = results[kind];
    const label = kind === 'embedded' ? 'embedded (journaled files)' : 'Redis';
    return `| ${label} | ${ms(r.overviewMs)} (${verdict(r.overviewMs, TARGET_MS.overview)}) | ${ms(r.searchWordsMs)} (${verdict(r.searchWordsMs, TARGET_MS.search)}) | ${ms(r.searchTicketMs)} | ${(r.seedMs / 1000).toFixed(1)} s |`;
  });
  return [
    START,
    '## Console',
    '',
    `\`npm run bench:console\`, ${new Date().toISOString().slice(0, 10)}, on ${machine()}.`,
    '',
    `${CONVERSATIONS.toLocaleString('en')} conversations (two customer turns each, spread over ${DAYS} days, six channels, 40 topics, 300 standard questions) and ${TICKETS.toLocaleString('en')} tickets, reported through the statistics recorder the app wires to the pipeline, the agent queue and the ticket store. Each figure is the median of ${RUNS} requests through the console API plugin (fastify inject, after one warm-up): the overview of the default 30 days, a search by channel and words (\`channel=web&q=开户材料\`, first page of 20), and a search by ticket id. Targets: overview under ${TARGET_MS.overview} ms, search under ${TARGET_MS.search} ms.`,
    '',
    '| store | overview | search (channel + words) | search (ticket id) | seeding |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'The overview reads about 35 days of per-day counters (one hash per day on Redis), whatever the number of conversations behind them. The embedded store searches its in-memory index; Redis intersects per-word, per-channel and per-topic sets with the sorted set of latest messages on the server and reads one page of summaries.',
    END,
  ].join('\n');
}

function writeSection(text: string): void {
  const current = readFileSync(DOCS, 'utf8');
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + text + current.slice(end + END.length)
      : current.replace(/\s*$/, '\n\n') + text + '\n';
  writeFileSync(DOCS, next);
}

async function main(): Promise<void> {
  const now = new Date();
  const dataDir = mkdtempSync(join(tmpdir(), 'csbot-console-bench-'));
  const results = {} as Record<'embedded' | 'redis', Timing>;
  try {
    const embedded = await openConsoleStores({ kind: 'embedded', dataDir });
    const seededIn = await seed(embedded, now);
    await embedded.close();
    // Measured after a restart: the journal replayed, as a running service would hold it.
    const reopened = await openConsoleStores({ kind: 'embedded', dataDir });
    results.embedded = await measure(reopened, seededIn);
    console.log('embedded', results.embedded);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const server = process.env.REDIS_URL
    ? { url: process.env.REDIS_URL, stop: async () => {} }
    : await startPrivateRedis();
  // Seeding queues thousands of commands at once: no per-command reply timeout here.
  const redis = await connectRedis(server.url, {
    connectionName: 'csbot-console-bench',
    commandTimeoutMs: 120_000,
    maxQueuedCommands: 1_000_000,
  });
  const keyPrefix = `csbot-bench:${randomUUID()}:`;
  try {
    const stores = await openConsoleStores({ kind: 'redis', redis, keyPrefix });
    results.redis = await measure(stores, await seed(stores, now));
    console.log('redis', results.redis);
  } finally {
    for await (const keys of redis.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.del(keys.map(String));
    }
    await closeRedis(redis);
    await server.stop();
  }
  writeSection(section(results));
  console.log(`wrote the Console section of ${DOCS}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
