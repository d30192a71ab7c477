// Several instances on Redis serve one content version: a reload on one makes the others reload,
// and an instance whose files differ says so in its status (shown in /healthz).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildContent } from '../../src/content/build.ts';
import { createContentRuntime, type ContentRuntime } from '../../src/content/runtime.ts';
import { RedisContentVersionSync } from '../../src/content/version-sync.ts';
import { eventually } from '../app/harness.ts';
import { copyShippedContent, type ContentCopy } from '../support/content-copy.ts';
import { exactNlu } from '../support/exact-nlu.ts';
import { RedisSandbox } from '../store/support.ts';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const buildOptions = { buildNlu: async (c: Parameters<typeof exactNlu>[0]) => exactNlu(c) };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function instance(sandbox: RedisSandbox, dir: string, name: string): Promise<ContentRuntime> {
  const built = await buildContent({ rootDir: dir }, buildOptions);
  if (!built.ok) throw new Error('shipped content must build');
  const runtime = createContentRuntime({
    source: { rootDir: dir },
    initial: built.snapshot,
    buildOptions,
    log: quiet,
    sync: new RedisContentVersionSync(await sandbox.connect(), sandbox.prefix, name),
  });
  cleanups.push(() => runtime.close());
  await runtime.joinCluster();
  return runtime;
}

function changeHours(copy: ContentCopy, hours: string): void {
  const path = 'config/firm.yaml';
  const text = readFileSync(join(copy.dir, path), 'utf8');
  copy.write(path, text.replace(/bankTransferHours: .*/, `bankTransferHours: ${hours}`));
}

describe('content version across instances (Redis)', () => {
  it('makes every instance reload to the version one of them reloaded', async () => {
    const sandbox = new RedisSandbox(inject('redisUrl'));
    cleanups.push(() => sandbox.cleanup());
    // One content folder for both, as on a shared volume; only the first one is told.
    const copy = copyShippedContent();
    cleanups.push(() => copy.remove());
    const a = await instance(sandbox, copy.dir, 'a');
    const b = await instance(sandbox, copy.dir, 'b');
    expect(b.current().version).toBe(a.current().version);

    changeHours(copy, '交易日 8:00-17:00');
    const result = await a.reload('admin');
    expect(result.outcome).toBe('applied');
    await eventually(() => expect(b.current().version).toBe(a.current().version), 10_000);
    expect(b.status().lastReload?.trigger).toBe('peer a');
    expect(b.current().content.firm.bankTransferHours).toBe('交易日 8:00-17:00');
    expect(a.status().cluster).toEqual({ publishedVersion: result.version, inSync: true });
    await eventually(() =>
      expect(b.status().cluster).toEqual({ publishedVersion: result.version, inSync: true }),
    );
  });

  it('reports an instance whose files differ from the version the others serve', async () => {
    const sandbox = new RedisSandbox(inject('redisUrl'));
    cleanups.push(() => sandbox.cleanup());
    const first = copyShippedContent();
    const second = copyShippedContent();
    cleanups.push(
      () => first.remove(),
      () => second.remove(),
    );
    const a = await instance(sandbox, first.dir, 'a');
    const b = await instance(sandbox, second.dir, 'b');
    changeHours(first, '交易日 7:00-18:00');
    const result = await a.reload('file change');
    await eventually(() => expect(b.status().lastReload?.trigger).toBe('peer a'), 10_000);
    expect(b.status().cluster).toMatchObject({
      publishedVersion: result.version,
      inSync: false,
      note: expect.stringContaining('deploy the same content to every instance'),
    });
    expect(b.current().version).not.toBe(result.version);
  });
});
