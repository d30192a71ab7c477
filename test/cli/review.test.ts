// `csbot review`: the console's groups of what the bot missed, in a terminal, read from the store
// the server writes (files under DATA_DIR, or Redis).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  FileMissedStore,
  RedisMissedStore,
  type MissedStore,
} from '../../src/console/missed-store.ts';
import { runReview } from '../../src/cli/review.ts';
import { RedisSandbox } from '../store/support.ts';
import { missed } from '../console/missed-store.contract.ts';

const root = join(import.meta.dirname, '..', '..');
const now = new Date('2026-11-23T02:00:00.000Z');

function capture(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { out, text: () => text };
}

async function seed(store: MissedStore): Promise<void> {
  const at = (iso: string) => new Date(iso);
  await store.record(
    at('2026-11-10T01:00:00.000Z'),
    missed('2026-11-10T01:00:00.000Z', '很久以前的问题'),
  );
  await store.record(at('2026-11-22T01:00:00.000Z'), null);
  await store.record(
    at('2026-11-22T02:00:00.000Z'),
    missed('2026-11-22T02:00:00.000Z', '开户能用护照吗', {
      intent: 'faq.account_open',
      confidence: 0.4,
      question: 'open.materials',
    }),
  );
  await store.record(
    at('2026-11-23T01:00:00.000Z'),
    missed('2026-11-23T01:00:00.000Z', '护照可以开户吗', {
      intent: 'faq.account_open',
      confidence: 0.3,
      question: 'open.materials',
    }),
  );
  await store.record(
    at('2026-11-23T01:30:00.000Z'),
    missed('2026-11-23T01:30:00.000Z', '基金定投在哪里设置', {
      kind: 'low_confidence',
      intent: 'faq.wealth_products',
      confidence: 0.55,
    }),
  );
}

describe('csbot review on the embedded store', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'csbot-review-'));
    const store = await FileMissedStore.open({ dataDir, now: () => now });
    await seed(store);
    await store.close();
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('prints the groups with counts, examples and the YAML to paste', async () => {
    const { out, text } = capture();
    const code = await runReview(
      { rootDir: root, env: { DATA_DIR: dataDir }, since: '7d', json: false, now },
      out,
    );
    expect(code).toBe(0);
    const printed = text();
    expect(printed).toContain('2026-11-17 – 2026-11-23（近 7d）');
    expect(printed).toContain('读到 4 条客户消息 · 未识别 2（50.0%）· 低置信度 1 · 共 2 组');
    expect(printed).toMatch(
      / 1\. 2 条（未识别 2）· 可能的主题 faq\.account_open \/ open\.materials（置信度 0\.35，100% 的识别一致）/,
    );
    expect(printed).toContain('      · 开户能用护照吗\n      · 护照可以开户吗\n');
    expect(printed).toContain(
      '    # intents/account.yaml · faq.account_open · 标准问 open.materials',
    );
    expect(printed).toContain('              - 开户能用护照吗');
    expect(printed).toMatch(/ 2\. 1 条（低置信度 1）· 可能的主题 faq\.wealth_products/);
    expect(printed).not.toContain('很久以前的问题');
    expect(printed).toContain('11-22 50.0%');
  });

  it('prints the same report as JSON with --json, over 24h or 30d', async () => {
    const day = capture();
    await runReview(
      { rootDir: root, env: { DATA_DIR: dataDir }, since: '24h', json: true, now },
      day.out,
    );
    const report = JSON.parse(day.text());
    expect(report).toMatchObject({ from: '2026-11-22', to: '2026-11-23', total: 3, read: 4 });
    const month = capture();
    await runReview(
      { rootDir: root, env: { DATA_DIR: dataDir }, since: '30d', json: true, now },
      month.out,
    );
    expect(
      JSON.parse(month.text()).groups.flatMap((g: { examples: string[] }) => g.examples),
    ).toContain('很久以前的问题');
  });

  it('refuses a span it cannot read', async () => {
    const { out } = capture();
    await expect(
      runReview({ rootDir: root, env: { DATA_DIR: dataDir }, since: 'a week', json: false }, out),
    ).rejects.toThrow(/--since takes a span like 24h, 7d or 30d/);
    await expect(
      runReview(
        { rootDir: root, env: { DATA_DIR: dataDir }, since: '7d', limit: '0', json: false },
        out,
      ),
    ).rejects.toThrow(/--limit/);
  });

  it('is a csbot command', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin', 'csbot.js'), 'review', '--since', '30d', '--json'],
      {
        cwd: root,
        env: { ...process.env, DATA_DIR: dataDir, REDIS_URL: '' },
        timeout: 60_000,
      },
    );
    // The CLI runs on today's clock: the seeded days may be older than 30 days, but the shape holds.
    expect(JSON.parse(stdout)).toMatchObject({
      groups: expect.any(Array),
      trend: expect.any(Array),
    });
  }, 60_000);
});

describe('csbot review on Redis', () => {
  it('reads the store the servers share', async () => {
    const sandbox = new RedisSandbox(inject('redisUrl'));
    try {
      const redis = await sandbox.connect();
      await seed(
        new RedisMissedStore(
          (args) => redis.sendCommand(args),
          sandbox.prefix,
          {},
          () => now,
        ),
      );
      const { out, text } = capture();
      await runReview(
        {
          rootDir: root,
          env: { REDIS_URL: inject('redisUrl'), REDIS_KEY_PREFIX: sandbox.prefix },
          since: '7d',
          json: true,
          now,
        },
        out,
      );
      expect(JSON.parse(text())).toMatchObject({
        total: 3,
        read: 4,
        notUnderstood: 2,
        lowConfidence: 1,
      });
    } finally {
      await sandbox.cleanup();
    }
  });
});
