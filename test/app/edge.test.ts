// The server's edge as a hostile or broken client meets it: X-Forwarded-For is believed only from
// configured proxies (TRUST_PROXY), and connections that send their request too slowly are closed.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { trustProxyFromEnv } from '../../src/config.ts';
import { buildHarness, type Harness } from './harness.ts';

const built: Harness[] = [];
afterEach(async () => {
  await Promise.all(built.splice(0).map((h) => h.close()));
});

async function harness(config: Parameters<typeof buildHarness>[0]): Promise<Harness> {
  const h = await buildHarness(config);
  built.push(h);
  return h;
}

/** Statuses of `count` polls, each claiming to come from another client address. */
async function pollsFrom(h: Harness, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${h.url}/api/web/messages?conversationId=probe`, {
      headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
    });
    statuses.push(res.status);
  }
  return statuses;
}

const SMALL_IP_LIMIT = { capacity: 3, refillPerSecond: 0.01 };

describe('TRUST_PROXY', () => {
  it('is off by default: a forged X-Forwarded-For does not pass the per-IP limit', async () => {
    const h = await harness({ config: { ipRateLimit: SMALL_IP_LIMIT } });
    expect(await pollsFrom(h, 6)).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it('believes the configured number of proxies in front of the bot', async () => {
    const h = await harness({ config: { ipRateLimit: SMALL_IP_LIMIT, trustProxy: 1 } });
    expect(await pollsFrom(h, 6)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('believes only proxies at the listed addresses', async () => {
    const trusted = await harness({
      config: { ipRateLimit: SMALL_IP_LIMIT, trustProxy: ['127.0.0.1'] },
    });
    expect(await pollsFrom(trusted, 5)).toEqual([200, 200, 200, 200, 200]);
    const other = await harness({
      config: { ipRateLimit: SMALL_IP_LIMIT, trustProxy: ['10.0.0.0/8'] },
    });
    expect(await pollsFrom(other, 5)).toEqual([200, 200, 200, 429, 429]);
  });

  it('reads the setting: off, a hop count, or addresses; never "true"', () => {
    for (const off of [undefined, '', ' ', 'false', '0'])
      expect(trustProxyFromEnv(off)).toBe(false);
    expect(trustProxyFromEnv('2')).toBe(2);
    expect(trustProxyFromEnv('10.0.0.1, 10.0.0.0/8,loopback, ::1, fd00::/8')).toEqual([
      '10.0.0.1',
      '10.0.0.0/8',
      'loopback',
      '::1',
      'fd00::/8',
    ]);
    expect(() => trustProxyFromEnv('true')).toThrow(/TRUST_PROXY=true/);
    for (const bad of ['proxy.example.com', '10.0.0.1/40', '10.0.0/8', '1.2.3.4/8/9']) {
      expect(() => trustProxyFromEnv(bad)).toThrow(/TRUST_PROXY/);
    }
  });
});

/** A raw TCP client; resolves how long the server took to close it (or null within `maxMs`). */
function closedAfter(url: string, send: (socket: Socket) => void, maxMs: number) {
  const { hostname, port } = new URL(url);
  return new Promise<{ ms: number | null; received: string }>((resolve) => {
    const started = Date.now();
    let received = '';
    const socket = connect(Number(port), hostname, () => send(socket));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ms: null, received });
    }, maxMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ms: Date.now() - started, received });
    });
    socket.on('error', () => undefined);
  });
}

describe('slow clients', () => {
  const http = { headersTimeoutMs: 400, requestTimeoutMs: 800, checkIntervalMs: 100 };

  it('closes a connection whose headers never finish', async () => {
    const h = await harness({ config: { http } });
    const slowloris = await closedAfter(
      h.url,
      (socket) => {
        socket.write('GET /healthz HTTP/1.1\r\nHost: bot\r\n');
        const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 100);
        socket.on('close', () => clearInterval(drip));
      },
      5000,
    );
    expect(slowloris.ms).not.toBeNull();
    expect(slowloris.ms!).toBeLessThan(2000);
    expect(slowloris.received).toContain('408');
  });

  it('closes a connection whose body never finishes', async () => {
    const h = await harness({ config: { http } });
    const slowBody = await closedAfter(
      h.url,
      (socket) => {
        socket.write(
          'POST /api/web/messages HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"text":"',
        );
        const drip = setInterval(() => socket.write('好'), 100);
        socket.on('close', () => clearInterval(drip));
      },
      5000,
    );
    expect(slowBody.ms).not.toBeNull();
    expect(slowBody.ms!).toBeLessThan(2500);
  });

  it('keeps an open chat socket beyond the request timeouts', async () => {
    const h = await harness({ config: { http } });
    const socket = new WebSocket(`${h.url.replace('http', 'ws')}/api/web/ws`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    const pong = new Promise<string>((resolve) =>
      socket.once('message', (d) => resolve(String(d))),
    );
    socket.send(JSON.stringify({ type: 'ping' }));
    expect(await pong).toContain('"type"');
    socket.close();
  });
});
