// Fault: one client floods the web chat's WebSocket for 15 s, sending frames as fast as the socket
// takes them and reconnecting whenever it is cut off (the probe sent 56,800 frames in 15 s and
// grew the transcript by 349 MB). Against the real server on the embedded store: the flood adds at
// most 1 MB to disk and 100 MB to resident memory, is summarised in the transcript instead of
// written frame by frame, and other customers are answered throughout.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bytesUnder, jsonFrom, startServer, type RunningServer } from './server.ts';

const FLOOD_MS = 15_000;
const MB = 1024 * 1024;

let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'csbot-flood-'));
  server = await startServer({ DATA_DIR: dataDir });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface FloodResult {
  framesSent: number;
  connections: number;
  upgradesRefused: number;
  closedByServer: number;
  conversationId: string | null;
}

/** The attacker: frames as fast as the socket drains, a new socket whenever one is closed. */
async function flood(url: string, durationMs: number): Promise<FloodResult> {
  const result: FloodResult = {
    framesSent: 0,
    connections: 0,
    upgradesRefused: 0,
    closedByServer: 0,
    conversationId: null,
  };
  const deadline = Date.now() + durationMs;
  const frame = JSON.stringify({ type: 'message', text: '刷屏测试消息，请立即处理我的问题！' });
  while (Date.now() < deadline) {
    const query = result.conversationId ? `?conversationId=${result.conversationId}` : '';
    const socket = new WebSocket(`${url.replace('http', 'ws')}/api/web/ws${query}`);
    result.connections += 1;
    await new Promise<void>((resolve) => {
      let open = false;
      const pump = () => {
        while (open && socket.readyState === WebSocket.OPEN && Date.now() < deadline) {
          if (socket.bufferedAmount > 256 * 1024) return void setTimeout(pump, 1);
          socket.send(frame);
          result.framesSent += 1;
          if (result.framesSent % 500 === 0) return void setImmediate(pump);
        }
        if (Date.now() >= deadline) socket.terminate();
      };
      socket.on('message', (data) => {
        const parsed = JSON.parse(String(data)) as { type: string; conversationId?: string };
        if (parsed.type === 'history' && parsed.conversationId) {
          result.conversationId = parsed.conversationId;
        }
      });
      socket.on('open', () => {
        open = true;
        pump();
      });
      socket.on('unexpected-response', (_req, res) => {
        if (res.statusCode === 429) result.upgradesRefused += 1;
        socket.terminate();
        setTimeout(resolve, 50);
      });
      socket.on('close', (code) => {
        if (code === 1008) result.closedByServer += 1;
        resolve();
      });
      socket.on('error', () => undefined);
    });
  }
  return result;
}

describe('a WebSocket flood against the real server', () => {
  it('adds at most 1 MB to disk and 100 MB to RSS, is summarised, and others are answered', async () => {
    // A normal customer first, so the baseline includes a warmed-up server.
    const customer = '127.0.0.2';
    const opened = await jsonFrom(customer, `${server.url}/api/web/messages`, 'POST', {
      text: '股票交易时间是几点',
    });
    expect(opened.status).toBe(200);
    const customerId = opened.json.conversationId as string;
    const baselineRss = server.rss();
    const baselineDisk = bytesUnder(dataDir);

    let peakRss = baselineRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, server.rss())), 100);
    // Other customers are answered while the flood goes on.
    const during = (async () => {
      await new Promise((resolve) => setTimeout(resolve, FLOOD_MS / 2));
      return jsonFrom(customer, `${server.url}/api/web/messages`, 'POST', {
        conversationId: customerId,
        text: '融资融券开通条件',
      });
    })();
    const result = await flood(server.url, FLOOD_MS);
    const duringFlood = await during;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, server.rss());

    expect(duringFlood.status).toBe(200);
    expect((duringFlood.json.messages as unknown[]).length).toBeGreaterThan(0);
    const health = await jsonFrom('127.0.0.3', `${server.url}/healthz`, 'GET');
    expect(health.status).toBe(200);

    // Stop as an operator does: refusals still counting are written as their summary.
    expect(await server.stop()).toBe(0);
    const diskGrowth = bytesUnder(dataDir) - baselineDisk;
    const rssGrowth = peakRss - baselineRss;
    console.log(
      JSON.stringify({
        fault: 'ws-flood',
        seconds: FLOOD_MS / 1000,
        ...result,
        diskGrowthBytes: diskGrowth,
        rssBaselineMb: +(baselineRss / MB).toFixed(1),
        rssPeakGrowthMb: +(rssGrowth / MB).toFixed(1),
      }),
    );
    expect(result.framesSent).toBeGreaterThan(10_000);
    expect(diskGrowth).toBeLessThanOrEqual(1 * MB);
    expect(rssGrowth).toBeLessThanOrEqual(100 * MB);

    // The flood is on record as a few lines and summaries, not frame by frame.
    const lines = readdirSync(join(dataDir, 'transcripts')).flatMap((file) =>
      readFileSync(join(dataDir, 'transcripts', file), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { kind: string; data?: { refusedCount?: number } }),
    );
    const summarised = lines
      .filter((l) => l.kind === 'note')
      .reduce((n, l) => n + (l.data?.refusedCount ?? 0), 0);
    // Frames that reach a socket the server has closed are never read; the ones it did read and
    // refuse are counted in summary notes.
    console.log(JSON.stringify({ transcriptLines: lines.length, refusalsSummarised: summarised }));
    expect(result.closedByServer).toBeGreaterThan(0);
    expect(summarised).toBeGreaterThan(1000);
    expect(lines.length).toBeLessThan(2000);
  }, 120_000);
});
