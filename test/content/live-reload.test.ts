// Live reload under a running app: a saved change is linted and served to the next turn without a
// restart; a broken file is refused with one precise error while the old content keeps serving;
// SIGHUP and the admin call reload too; a turn in progress keeps the snapshot it started with.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { buildContent, type ContentSnapshot } from '../../src/content/build.ts';
import { createContentRuntime, type ContentRuntime } from '../../src/content/runtime.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import { ADMIN_TOKEN, appConfig, eventually } from '../app/harness.ts';
import { copyShippedContent, type ContentCopy } from '../support/content-copy.ts';
import { exactNlu } from '../support/exact-nlu.ts';

const QUESTION = '银证转账的时间是几点到几点？';
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

interface Running {
  copy: ContentCopy;
  runtime: ContentRuntime;
  app: App;
  logged: string[];
  ask(text: string, conversationId?: string): Promise<string>;
}

let running: Running | undefined;
afterEach(async () => {
  await running?.runtime.close();
  await running?.app.close();
  running?.copy.remove();
  running = undefined;
});

async function initialSnapshot(dir: string): Promise<ContentSnapshot> {
  const built = await buildContent({ rootDir: dir }, { buildNlu: async (c) => exactNlu(c) });
  if (!built.ok) throw new Error(built.errors.map((e) => e.message).join('\n'));
  return built.snapshot;
}

async function start(): Promise<Running> {
  const copy = copyShippedContent();
  const logged: string[] = [];
  const snapshot = await initialSnapshot(copy.dir);
  const runtime = createContentRuntime({
    source: { rootDir: copy.dir },
    initial: snapshot,
    buildOptions: { buildNlu: async (c) => exactNlu(c) },
    log: { ...quiet, error: (m) => logged.push(m), info: (m) => logged.push(m) },
  });
  const app = await createApp(appConfig(snapshot.content), {
    content: snapshot.content,
    dialogs: snapshot.dialogs,
    nlu: snapshot.nlu,
    contentRuntime: runtime,
    stores: createMemoryStores(),
    logger: false,
  });
  let n = 0;
  running = {
    copy,
    runtime,
    app,
    logged,
    async ask(text, conversationId = `reload-${++n}`) {
      const response = await app.server.inject({
        method: 'POST',
        url: '/api/web/messages',
        payload: { conversationId, text },
      });
      expect(response.statusCode).toBe(200);
      const body = response.json<{ messages: { text: string }[] }>();
      return body.messages.map((m) => m.text).join('\n');
    },
  };
  return running;
}

function edit(r: Running, path: string, change: (text: string) => string): void {
  const before = readFileSync(join(r.copy.dir, path), 'utf8');
  const after = change(before);
  expect(after).not.toBe(before);
  r.copy.write(path, after);
}

const health = async (app: App) =>
  (await app.server.inject({ method: 'GET', url: '/healthz' })).json<{
    content: {
      version: string;
      lastReload: { outcome: string; errors: string[]; trigger: string } | null;
    };
  }>();

describe('live content reload', () => {
  it('serves a saved change to the next turn without a restart (file watcher)', async () => {
    const r = await start();
    r.runtime.watchFiles({ debounceMs: 50 });
    expect(await r.ask(QUESTION)).toContain('交易日 9:00-16:00');
    const before = r.runtime.current().version;
    edit(r, 'config/firm.yaml', (t) =>
      t.replace('bankTransferHours: 交易日 9:00-16:00', 'bankTransferHours: 交易日 8:30-16:30'),
    );
    await eventually(() => expect(r.runtime.current().version).not.toBe(before), 10_000);
    expect(await r.ask(QUESTION)).toContain('交易日 8:30-16:30');
    const status = (await health(r.app)).content;
    expect(status.version).toBe(r.runtime.current().version);
    expect(status.lastReload).toMatchObject({ outcome: 'applied', trigger: 'file change' });
    // Editors save by writing a temporary file and renaming it over the old one, again and again.
    for (const hours of ['交易日 8:45-16:15', '交易日 9:05-15:55']) {
      const seen = r.runtime.current().version;
      const path = join(r.copy.dir, 'config', 'firm.yaml');
      const text = readFileSync(path, 'utf8').replace(
        /bankTransferHours: .*/,
        `bankTransferHours: ${hours}`,
      );
      writeFileSync(`${path}.tmp`, text);
      renameSync(`${path}.tmp`, path);
      await eventually(() => expect(r.runtime.current().version).not.toBe(seen), 10_000);
      expect(await r.ask(QUESTION)).toContain(hours);
    }
  });

  it('answers a new standard question once its file is saved', async () => {
    const r = await start();
    r.runtime.watchFiles({ debounceMs: 50 });
    edit(r, 'intents/funds.yaml', (t) =>
      t.replace(
        '      - id: bank.hours\n',
        '      - id: bank.weekend_hint\n        q: 周末转账为什么失败\n        similar: [周末转不了钱, 星期六转账失败]\n        answer: 周末是非交易日，银证转账暂停，请在交易日{firm.bankTransferHours}再试。\n\n      - id: bank.hours\n',
      ),
    );
    await eventually(
      async () => expect(await r.ask('周末转不了钱')).toContain('周末是非交易日'),
      10_000,
    );
  });

  it('refuses a broken file with one precise error and keeps serving the old answer', async () => {
    const r = await start();
    const old = r.runtime.current().version;
    edit(r, 'intents/funds.yaml', (t) =>
      t.replace('      - id: bank.hours\n', '      - id: "bank.hours\n'),
    );
    const result = await r.runtime.reload('SIGHUP');
    const line =
      readFileSync(join(r.copy.dir, 'intents/funds.yaml'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('"bank.hours')) + 1;
    expect(result).toMatchObject({ outcome: 'refused', version: old });
    expect(result.errors).toEqual([
      expect.stringMatching(
        new RegExp(`^intents/funds\\.yaml:${line}: this " quote is never closed`),
      ),
    ]);
    expect(r.logged.some((m) => m.includes(`intents/funds.yaml:${line}:`))).toBe(true);
    expect(await r.ask(QUESTION)).toContain('交易日 9:00-16:00');
    const status = (await health(r.app)).content;
    expect(status).toMatchObject({ version: old, lastReload: { outcome: 'refused' } });
    expect(status.lastReload?.errors).toHaveLength(1);
  });

  it('reloads on SIGHUP', async () => {
    const r = await start();
    r.runtime.reloadOnSignal('SIGHUP');
    edit(r, 'config/firm.yaml', (t) => t.replace('交易日 9:00-16:00', '交易日 9:30-15:30'));
    process.kill(process.pid, 'SIGHUP');
    await eventually(() => expect(r.runtime.status().lastReload?.trigger).toBe('SIGHUP'), 10_000);
    expect(await r.ask(QUESTION)).toContain('交易日 9:30-15:30');
  });

  it('reloads on POST /api/admin/content/reload with the admin token, not without', async () => {
    const r = await start();
    edit(r, 'config/firm.yaml', (t) => t.replace('交易日 9:00-16:00', '交易日 9:15-16:00'));
    const denied = await r.app.server.inject({ method: 'POST', url: '/api/admin/content/reload' });
    expect(denied.statusCode).toBe(401);
    const ok = await r.app.server.inject({
      method: 'POST',
      url: '/api/admin/content/reload',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ outcome: 'applied', trigger: 'admin' });
    expect(await r.ask(QUESTION)).toContain('交易日 9:15-16:00');
    edit(r, 'dialogs/leave_message.yaml', (t) => t.replace('next: ask_phone', 'next: ask_phnoe'));
    const refused = await r.app.server.inject({
      method: 'POST',
      url: '/api/admin/content/reload',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json<{ errors: string[] }>().errors).toEqual([
      expect.stringMatching(
        /^dialogs\/leave_message\.yaml:\d+: dialog leave_message: node ask_question points to unknown node "ask_phnoe"/,
      ),
    ]);
  });

  it('lets a turn in progress finish on the snapshot it started with', async () => {
    const r = await start();
    const old = r.runtime.current();
    edit(r, 'config/firm.yaml', (t) => t.replace('交易日 9:00-16:00', '交易日 10:00-15:00'));
    const fresh = await initialSnapshot(r.copy.dir);
    // The new version arrives while the turn is reading the message.
    let swapped = false;
    const oldNlu = old.nlu;
    old.nlu = {
      ...oldNlu,
      analyze(text, now) {
        if (!swapped) {
          swapped = true;
          void r.runtime.reload('file change');
        }
        return oldNlu.analyze(text, now);
      },
    };
    const during = await r.ask(QUESTION);
    expect(swapped).toBe(true);
    await eventually(() => expect(r.runtime.current().version).toBe(fresh.version));
    expect(during).toContain('交易日 9:00-16:00');
    expect(await r.ask(QUESTION)).toContain('交易日 10:00-15:00');
  });
});
