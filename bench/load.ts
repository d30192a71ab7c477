// npm run bench:load — turns per second and p50/p99 latency through POST /api/web/messages with
// 200 concurrent conversations, with the memory store, the embedded file store and Redis, beside
// a bare fastify echo route on the same server as the ceiling. Writes the Load section of
// docs/benchmarks.md.
//
// Processes: the server runs in a child process (one event loop, as in production) and this
// process generates the load, so on a 2-core machine each gets a core instead of one event loop
// timing itself. Redis, when started here, is a third process. Traffic goes only to 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { createApp } from '../src/app.ts';
import { appConfigFromEnv } from '../src/config.ts';
import { loadContent } from '../src/content/load.ts';
import { loadDialogs } from '../src/dialog/loader.ts';
import { buildNluEngine } from '../src/nlu/engine.ts';
import { closeRedis, connectRedis, createMemoryStores, createStores } from '../src/store/index.ts';
import { startPrivateRedis } from '../test/support/redis-server.ts';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const WARMUP_MS = 2000;
const DOCS = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const START = '<!-- load:start -->';
const END = '<!-- load:end -->';

type StoreKind = 'memory' | 'embedded' | 'redis';

const ECHO_LABEL = 'echo (bare fastify route, ceiling)';
/** The rate each store is held to for the latency target; the embedded default is informational. */
const TARGET_RATE: Record<StoreKind, number> = { memory: 2000, embedded: 1000, redis: 1000 };
const LABELS: Record<StoreKind, string> = {
  memory: 'memory store',
  embedded: 'embedded default (state, transcripts and tickets in files)',
  redis: 'Redis store',
};

// Common questions; no handoff or complaint requests, which would leave the bot's hands.
const QUESTIONS = [
  '你好，我想开户',
  '创业板开通需要什么条件',
  '佣金怎么收费',
  '交易密码忘了怎么办',
  '科创板交易时间是几点',
  '银证转账失败了',
  '新股申购怎么操作',
  '股票分红要交税吗',
];

// ---- server side (child process) --------------------------------------------------------------

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The real app (NLU trained from intents/, shipped dialogs, pipeline, web channel) on `kind`. */
async function serve(kind: StoreKind): Promise<void> {
  const content = loadContent({ rootDir: ROOT });
  const nlu = buildNluEngine(content);
  const { dialogs } = loadDialogs(join(ROOT, 'dialogs'), ROOT);
  const prefix = `csbot-bench:${process.pid}:`;
  // Rate limits off: they would answer this flood with cheap polite replies and flatter the result.
  // Bursts are read one by one: a closed loop sends each conversation's next message the instant
  // its answer arrives, which a person never does and which batching would hold for a second.
  const config = appConfigFromEnv(
    { RATE_LIMIT_PER_IP: '0', MESSAGE_BATCH_QUIET_MS: '0', REDIS_KEY_PREFIX: prefix },
    content.firm,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'csbot-bench-data-'));
  const redisUrl = kind === 'redis' ? requiredEnv('BENCH_REDIS_URL') : undefined;
  const stores =
    kind === 'memory'
      ? createMemoryStores()
      : await createStores(redisUrl ? { redisUrl, keyPrefix: prefix } : { dataDir });
  const redis = redisUrl
    ? await connectRedis(redisUrl, { connectionName: 'csbot-bench' })
    : undefined;
  const app = await createApp(config, {
    content,
    dialogs,
    nlu,
    stores,
    ...(redis ? { redis } : {}),
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  // The ceiling: a bare fastify route in the same process, parsing the same JSON body.
  const echo = Fastify({ logger: false });
  echo.post('/bench/echo', async (req) => {
    const body = req.body as { text?: unknown };
    return { messages: [{ type: 'text', text: String(body.text ?? '') }] };
  });
  const echoAddress = await echo.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(JSON.stringify({ address, echoAddress }) + '\n');
  const stop = async () => {
    await echo.close();
    await app.close();
    await stores.close();
    if (redis) await closeRedis(redis);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

// ---- load side (this process) -----------------------------------------------------------------

interface Result {
  scenario: string;
  turns: number;
  turnsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

interface BenchServer {
  child: ChildProcess;
  address: string;
  echoAddress: string;
}

function startServer(kind: StoreKind, redisUrl?: string): Promise<BenchServer> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server side.
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--serve',
      kind,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...(redisUrl ? { BENCH_REDIS_URL: redisUrl } : {}) },
    },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) =>
      resolve({ child, ...(JSON.parse(line) as Omit<BenchServer, 'child'>) }),
    );
    child.once('exit', (code) => reject(new Error(`bench server (${kind}) exited with ${code}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Status 200 with replies (-1 without), and the conversation id the server answered with. */
function post(
  agent: Agent,
  address: URL,
  path: string,
  payload: string,
): Promise<{ status: number; conversationId?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: address.hostname,
        port: address.port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve({ status: res.statusCode ?? 0 });
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            messages?: unknown[];
            conversationId?: string;
          };
          const answered = Array.isArray(body.messages) && body.messages.length > 0;
          resolve({
            status: answered ? 200 : -1,
            ...(body.conversationId ? { conversationId: body.conversationId } : {}),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * CONCURRENCY conversations on one keep-alive socket each, for WARMUP_MS + DURATION_MS.
 * Without `rate` (closed loop) each conversation sends its next message as soon as the last was
 * answered: that finds the saturation throughput, and its latency is mostly queueing
 * (Little's law: concurrency / throughput). With `rate` (open loop) the conversations together
 * offer `rate` turns/s on a fixed schedule, staggered evenly; a turn still waits for its
 * conversation's previous answer (a customer reads before typing again), and its latency is counted
 * from when it was due, not from when it was sent, so a stalled server cannot hide its stall
 * (no coordinated omission).
 */
async function drive(
  scenario: string,
  address: string,
  path: string,
  rate?: number,
): Promise<Result> {
  const url = new URL(address);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: CONCURRENCY,
    maxFreeSockets: CONCURRENCY,
  });
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now() + 50;
  const measureFrom = t0 + WARMUP_MS;
  const end = measureFrom + DURATION_MS;
  const interval = rate ? (CONCURRENCY / rate) * 1000 : 0;
  const conversation = async (n: number) => {
    // The server issues the id with the first answer; each conversation goes on under it.
    let conversationId: string | undefined;
    let due = t0 + (interval * n) / CONCURRENCY;
    for (let turn = 0; ; turn++) {
      if (rate) {
        if (due >= end) return;
        await sleep(due - performance.now());
      } else {
        due = performance.now();
        if (due >= end) return;
      }
      const payload = JSON.stringify({
        ...(conversationId ? { conversationId } : {}),
        text: QUESTIONS[(n + turn) % QUESTIONS.length],
      });
      // Timers may fire a little early (Node rounds the delay): then the clock starts at the send.
      const from = Math.max(due, performance.now());
      let status: number;
      try {
        const answer = await post(agent, url, path, payload);
        status = answer.status;
        conversationId ??= answer.conversationId;
      } catch {
        status = 0;
      }
      if (due >= measureFrom) {
        if (status === 200) latencies.push(performance.now() - from);
        else errors += 1;
      }
      due += interval;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, n) => conversation(n)));
  // Closed loop: turns answered per second of the window. Open loop: the offered rate is fixed, so
  // report what was answered in the window (short of the rate when the server falls behind).
  const seconds = (Math.max(performance.now(), end) - measureFrom) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return {
    scenario,
    turns: latencies.length,
    turnsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: round(pct(0.5)),
    p99Ms: round(pct(0.99)),
    maxMs: round(latencies.at(-1) ?? NaN),
    errors,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A private redis-server like the test suite's, unless REDIS_URL points at one we may use. */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  return startPrivateRedis();
}

const IDLE_PROBE_MS = 3000;

/** Share of all cores' time spent busy over `ms`, from /proc/stat (NaN where it does not exist). */
async function cpuBusyShare(ms: number): Promise<number> {
  const sample = (): { busy: number; total: number } | null => {
    try {
      const fields = readFileSync('/proc/stat', 'utf8')
        .split('\n')[0]
        ?.trim()
        .split(/\s+/)
        .slice(1);
      const ticks = (fields ?? []).map(Number);
      const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
      const total = ticks.reduce((a, b) => a + b, 0);
      return { busy: total - idle, total };
    } catch {
      return null;
    }
  };
  const first = sample();
  await new Promise((r) => setTimeout(r, ms));
  const second = sample();
  if (!first || !second || second.total === first.total) return NaN;
  return (second.busy - first.busy) / (second.total - first.total);
}

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB RAM, ${platform()} ${release()}, Node ${process.version}`;
}

interface Measured {
  kind: StoreKind | 'echo';
  saturation: Result;
  paced?: Result & { offered: number };
}

function section(
  measured: Measured[],
  date: string,
  load: { before: number; busyBefore: number },
): string {
  const echo = measured.find((m) => m.kind === 'echo')?.saturation;
  const saturationRows = measured.map(({ saturation: r }) => {
    const ratio =
      echo && r !== echo ? `${Math.round((r.turnsPerSecond / echo.turnsPerSecond) * 100)}%` : '—';
    return `| ${r.scenario} | ${r.turnsPerSecond.toLocaleString('en-US')} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} | ${ratio} |`;
  });
  const pacedRows = measured.flatMap(({ paced: r }) =>
    r
      ? [
          `| ${r.scenario} | ${r.offered.toLocaleString('en-US')} | ${r.turnsPerSecond.toLocaleString('en-US')} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.errors} |`,
        ]
      : [],
  );
  const verdict = (kind: StoreKind) => {
    const m = measured.find((x) => x.kind === kind);
    if (!m?.paced) return 'not run';
    const target = TARGET_RATE[kind];
    const throughput = m.saturation.turnsPerSecond >= target;
    const latency = m.paced.p99Ms <= 50 && m.paced.turnsPerSecond >= target * 0.98;
    const clean = m.saturation.errors === 0 && m.paced.errors === 0;
    return (
      `${throughput && latency && clean ? '**met**' : '**NOT met**'}: ` +
      `${m.saturation.turnsPerSecond.toLocaleString('en-US')} turns/s at saturation ` +
      `(target ${target.toLocaleString('en-US')}), p99 ${m.paced.p99Ms} ms at ` +
      `${target.toLocaleString('en-US')} turns/s (target 50 ms), ` +
      `${m.saturation.errors + m.paced.errors} errors`
    );
  };
  return [
    START,
    '## Load',
    '',
    `Measured ${date} on ${machine()} with \`npm run bench:load\`.`,
    `CPU busy ${Math.round(load.busyBefore * 100)}% in the ${IDLE_PROBE_MS / 1000} s before the run ` +
      `(1-minute load average ${load.before.toFixed(1)}, which still remembers earlier work)` +
      // The run itself keeps both cores busy, so only the time before it says whether others were.
      (load.busyBefore > 0.25
        ? ': other work was running on this machine, so the numbers are lower than on a quiet one.'
        : ': a quiet machine.'),
    '',
    `${CONCURRENCY} conversations at once through \`POST /api/web/messages\` on 127.0.0.1, for`,
    `${DURATION_MS / 1000} s after a ${WARMUP_MS / 1000} s warm-up. The server runs in its own process (one event loop, as`,
    'in production); the load generator (node:http, keep-alive agent, one socket per conversation)',
    'runs in another, so on 2 cores each has one; Redis, when used, is a third process. Rate limits',
    'are off (they would answer a flood with cheap polite replies and flatter the numbers).',
    '',
    '**Saturation (closed loop).** Each conversation sends its next message as soon as the previous',
    'one is answered: the most turns per second the server can answer. Latency here is mostly queueing',
    `(Little's law: ${CONCURRENCY} in flight / throughput), so it measures the backlog, not a turn.`,
    'The echo row is a bare fastify route in the server process parsing the same JSON body: the',
    'ceiling of the framework and the generator on this machine.',
    '',
    '| scenario | turns/s | p50 ms | p99 ms | errors | vs echo |',
    '|---|---:|---:|---:|---:|---:|',
    ...saturationRows,
    '',
    '**At the target rate (open loop).** The same conversations together offer the target rate on a',
    "fixed schedule, staggered evenly; a message still waits for its conversation's previous answer.",
    'Latency counts from when a message was due, not when it was sent, so a stall cannot hide',
    'behind a late send (no coordinated omission).',
    '',
    '| scenario | offered turns/s | answered turns/s | p50 ms | p99 ms | max ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...pacedRows,
    '',
    'Targets (>= 2,000 turns/s with memory, >= 1,000 with Redis, p99 <= 50 ms, no errors):',
    '',
    `- memory: ${verdict('memory')}.`,
    `- Redis: ${verdict('redis')}.`,
    '',
    'Each turn is the whole app as `npm start` builds it (createApp): edge checks, the turn lock,',
    'state load/save, NLU (normalise, jieba, classifier, entities), the dialog step, compliance and',
    'the transcript lines. The echo server is a separate bare fastify instance in the same process',
    '(the app server is sealed once built), so it shares the event loop and the core. The embedded',
    'default fsyncs every transcript line and the conversation state before answering (nothing',
    'recorded is lost on a crash, and a restart resumes the conversation), so it is bounded by the',
    'disk, not the CPU.',
    END,
  ].join('\n');
}

/** Replaces only this section: another benchmark writes the rest of the file. */
function writeSection(text: string): void {
  let current = '';
  try {
    current = readFileSync(DOCS, 'utf8');
  } catch {
    current = '# Benchmarks\n';
  }
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + text + current.slice(end + END.length)
      : current.replace(/\s*$/, '\n\n') + text + '\n';
  writeFileSync(DOCS, next);
}

async function main(): Promise<void> {
  const serveIndex = process.argv.indexOf('--serve');
  if (serveIndex >= 0) return serve(process.argv[serveIndex + 1] as StoreKind);

  // BENCH_STORES=memory,redis runs a subset (for profiling); the doc is only written for all.
  const only = process.env.BENCH_STORES?.split(',');
  const measured: Measured[] = [];
  const loadBefore = loadavg()[0] ?? 0;
  const busyBefore = await cpuBusyShare(IDLE_PROBE_MS);
  const redis = await startRedis();
  try {
    for (const kind of ['memory', 'embedded', 'redis'] as const) {
      if (only && !only.includes(kind)) continue;
      const label = LABELS[kind];
      const { child, address, echoAddress } = await startServer(
        kind,
        kind === 'redis' ? redis.url : undefined,
      );
      try {
        if (kind === 'memory') {
          const saturation = await drive(ECHO_LABEL, echoAddress, '/bench/echo');
          console.log(JSON.stringify(saturation));
          measured.push({ kind: 'echo', saturation });
        }
        const saturation = await drive(label, address, '/api/web/messages');
        console.log(JSON.stringify(saturation));
        const offered = TARGET_RATE[kind];
        const paced = {
          ...(await drive(label, address, '/api/web/messages', offered)),
          offered,
        };
        console.log(JSON.stringify(paced));
        measured.push({ kind, saturation, paced });
      } finally {
        await stopServer(child);
      }
    }
  } finally {
    await redis.stop();
  }
  const load = { before: loadBefore, busyBefore };
  if (only) return;
  writeSection(section(measured, new Date().toISOString().slice(0, 10), load));
  console.log(`wrote the Load section of ${DOCS}`);
}

await main();
