// The service console in a real browser against the real app, seeded through the customer's own
// path (web chat turns: a question with a survey, a complaint, a message carrying markup, messages
// the bot cannot place): sign in, every chart drawn, a narrower date range, a transcript, a ticket
// action, the CSV export, what the bot missed, the phone layout, sign-out. Saves the overview's
// screenshot for the README.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { appConfigFromEnv } from '../../src/config.ts';
import { loadContent } from '../../src/content/load.ts';
import { loadDialogs } from '../../src/dialog/loader.ts';
import { buildNluEngine } from '../../src/nlu/engine.ts';
import { createMemoryStores } from '../../src/store/index.ts';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-component-update',
  '--no-first-run',
];
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_TOKEN = 'e2e-console-token-4f1c9a';
const XSS = '<img src=x onerror="window.__xss=1">';

let app: App;
let baseUrl: string;
let profileDir: string;
let context: BrowserContext;
let ticketId = '';
/** The console's reference of the conversation with markup in it, once the search found it. */
let markupRef = '';

/** One web conversation, turn by turn, as the widget sends it; returns the bot's replies. */
async function converse(texts: string[]): Promise<string[]> {
  let conversationId = `e2e-console-${Math.random().toString(36).slice(2)}`;
  let secret: string | undefined;
  const said: string[] = [];
  for (const text of texts) {
    const res = await fetch(`${baseUrl}/api/web/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        conversationId,
        text,
        ...(secret ? { conversationSecret: secret } : {}),
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      conversationId: string;
      conversationSecret?: string;
      messages: { text: string }[];
    };
    conversationId = body.conversationId;
    secret = body.conversationSecret ?? secret;
    said.push(...body.messages.map((m) => m.text));
  }
  return said;
}

beforeAll(async () => {
  const content = loadContent({ rootDir: ROOT });
  const { dialogs, issues } = loadDialogs(join(ROOT, 'dialogs'), ROOT);
  expect(issues).toEqual([]);
  const config = appConfigFromEnv({ ADMIN_TOKEN }, content.firm);
  app = await createApp(
    // Turns are read one by one here: the burst window only slows the seeding down.
    { ...config, batching: false },
    { content, dialogs, nlu: buildNluEngine(content), stores: createMemoryStores(), logger: false },
  );
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });

  await converse(['几点收盘', '谢谢啊', '5', '没有了']);
  const complaint = await converse([
    '我要投诉',
    '张三',
    '13812345678',
    '跳过',
    '昨天下午3点',
    '收费',
    '佣金比开户时约定的高了很多',
    '退还多收的佣金并回电说明',
    '是',
  ]);
  ticketId = /工单号：(TS\d{8}-\d{4})/.exec(complaint.join('\n'))?.[1] ?? '';
  expect(ticketId).not.toBe('');
  // Two more fee complaints this week, where there were none before: the early warning rises.
  for (const [name, phone] of [
    ['李四', '13900001111'],
    ['王五', '13700002222'],
  ] as const) {
    const more = await converse([
      '我要投诉',
      name,
      phone,
      '跳过',
      '今天上午',
      '收费',
      '手续费和说好的不一样',
      '核实后退还',
      '是',
    ]);
    expect(more.join('\n')).toMatch(/工单号：TS\d{8}-\d{4}/);
  }
  await converse(['开户要带什么', XSS]);
  await converse(['那个东西咋整啊弄不了']);
  await converse(['这玩意咋整啊弄不了', '印花税收多少', '谢谢', '4', '跳过']);

  profileDir = mkdtempSync(join(tmpdir(), 'csbot-console-e2e-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
});

afterAll(async () => {
  await context?.close();
  await app?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

/** Names of the charts in `root` whose canvas holds no painted pixel. */
function blankCharts(page: Page, root: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const blank: string[] = [];
    for (const chart of Array.from(
      document.querySelectorAll<HTMLElement>(`${selector} [data-chart]`),
    )) {
      const canvas = chart.querySelector('canvas');
      const ctx = canvas?.getContext('2d');
      let painted = false;
      if (canvas && ctx && canvas.width > 0 && canvas.height > 0) {
        const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < pixels.length; i += 4) {
          if (pixels[i]! > 0) {
            painted = true;
            break;
          }
        }
      }
      if (!painted) blank.push(chart.dataset.chart ?? '?');
    }
    return blank;
  }, root);
}

function kpi(page: Page, label: string) {
  return page.locator('.kpi', { hasText: label }).locator('strong').textContent();
}

/** A parameter of the search the conversation list shows (null before any search landed). */
async function searchedFor(page: Page, name: string): Promise<string | null> {
  const loaded = await page.locator('#conversations').getAttribute('data-loaded');
  return loaded === null ? null : new URLSearchParams(loaded).get(name);
}

// One supervisor's visit, step by step in one tab.
describe('service console', () => {
  let page: Page;
  const errors: string[] = [];
  let defaultRange = '';

  it('refuses a wrong token and signs in with the right one', async () => {
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (m) => {
      // The sign-in form's own probes answer 401 by design.
      if (m.type() === 'error' && !/401/.test(m.text())) errors.push(m.text());
    });
    await page.goto(`${baseUrl}/console`);
    await expect.poll(() => page.locator('#sign-in').isVisible()).toBe(true);
    await page.locator('input[name=token]').fill('not-the-token');
    await page.locator('input[name=name]').fill('王主管');
    await page.locator('.sign-in-form button[type=submit]').click();
    await expect
      .poll(() => page.locator('.sign-in-form .error').textContent())
      .toContain('令牌不正确');
    await page.locator('input[name=token]').fill(ADMIN_TOKEN);
    await page.locator('.sign-in-form button[type=submit]').click();
    await expect.poll(() => page.locator('.who-name').textContent()).toBe('已登录：王主管');
    // The session cookie is out of the page's reach.
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('draws every overview chart for the last 30 days', async () => {
    await expect
      .poll(() => page.locator('#overview').getAttribute('data-loaded'), { timeout: 10_000 })
      .not.toBeNull();
    defaultRange = (await page.locator('#overview').getAttribute('data-loaded'))!;
    const [from, to] = defaultRange.split('..');
    expect((Date.parse(to!) - Date.parse(from!)) / 86_400_000).toBe(29);
    const charts = await page.locator('#overview [data-chart]').count();
    expect(charts).toBe(11);
    await expect.poll(() => blankCharts(page, '#overview')).toEqual([]);
    expect(await kpi(page, '会话数')).toBe('7');
    expect(await page.locator('#overview .alert').allTextContents()).toEqual([
      expect.stringMatching(/^预警：「收费」类投诉近7天\s*3\s*件/),
    ]);
    await page.waitForTimeout(600); // the charts' entry animation
    // The README's picture: the alert band, the headline figures and the first rows of charts.
    await page.screenshot({
      path: join(ROOT, 'docs', 'console-overview.png'),
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 1300 },
    });
  });

  it('follows the date-range picker', async () => {
    // A range before any conversation: the figures follow the picker.
    await page.locator('#overview input[name=from]').fill('2025-01-01');
    await page.locator('#overview input[name=to]').fill('2025-01-31');
    await page.locator('#overview .range button[type=submit]').click();
    await expect
      .poll(() => page.locator('#overview').getAttribute('data-loaded'))
      .toBe('2025-01-01..2025-01-31');
    expect(await kpi(page, '会话数')).toBe('0');
    await expect.poll(() => blankCharts(page, '#overview')).toEqual([]);
    await page.locator('#overview .presets button[data-days="30"]').click();
    await expect
      .poll(() => page.locator('#overview').getAttribute('data-loaded'))
      .toBe(defaultRange);
  });

  it('finds conversations and shows a masked transcript with the NLU reading, markup as text', async () => {
    // A word search; the conversation with markup in it shows it as text.
    await page.locator('.tabs button[data-tab=conversations]').click();
    await page.locator('#conversations input[name=q]').fill('开户');
    await page.locator('#conversations .search button[type=submit]').click();
    // Opening the tab ran a search of its own: the list is read once it shows this one.
    await expect.poll(() => searchedFor(page, 'q')).toBe('开户');
    const results = page.locator('#conversations .result');
    await expect.poll(() => results.count()).toBeGreaterThan(0);
    const viewer = page.locator('#conversations .transcript');
    const lines = viewer.locator('.line-text');
    let opened = false;
    const refs = (await results.evaluateAll((buttons) =>
      buttons.map((b) => b.getAttribute('data-ref')),
    )) as string[];
    for (const ref of refs) {
      await page.locator(`#conversations .result[data-ref="${ref}"]`).click();
      await expect.poll(() => viewer.getAttribute('data-ref')).toBe(ref);
      if ((await lines.allTextContents()).includes(XSS)) {
        opened = true;
        markupRef = ref;
        break;
      }
    }
    expect(opened).toBe(true);
    // The address names the open transcript (what a handoff thread's console link looks like).
    expect(await page.evaluate(() => window.location.hash)).toBe(
      `#/conversations/${encodeURIComponent(markupRef)}`,
    );
    expect(await viewer.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    // The NLU's reading beside each customer message.
    const customerLines = await viewer.locator('.from-customer').count();
    expect(customerLines).toBe(2);
    const readings = await viewer.locator('.from-customer .nlu').allTextContents();
    expect(readings.length).toBe(customerLines);
    expect(readings[0]).toMatch(/识别：\S+ · 置信度 [01]\.\d\d/);
  });

  it('finds the conversation of a ticket by its number', async () => {
    await page.locator('#conversations input[name=q]').fill('');
    await page.locator('#conversations input[name=ticket]').fill(ticketId);
    await page.locator('#conversations .search button[type=submit]').click();
    await expect.poll(() => searchedFor(page, 'ticket')).toBe(ticketId);
    await expect.poll(() => page.locator('#conversations .result').count()).toBe(1);
    expect(await page.locator('#conversations .result .tickets').textContent()).toContain(ticketId);
  });

  it('accepts, notes, transfers and resolves a ticket (changes sent with the CSRF token) and exports the CSV', async () => {
    await page.locator('.tabs button[data-tab=tickets]').click();
    const card = page.locator(`.ticket[data-ticket="${ticketId}"]`);
    await expect.poll(() => card.locator('.ticket-status').textContent()).toBe('待受理');
    expect(await card.textContent()).toContain('138****5678');
    expect(await card.textContent()).not.toContain('13812345678');
    await card.locator('button', { hasText: '受理' }).click();
    await expect.poll(() => card.locator('.ticket-status').textContent()).toBe('处理中');
    // A note, signed with the name given at sign-in.
    await card.locator('.actions button', { hasText: '备注' }).click();
    await card.locator('textarea[name=note]').fill('已致电客户核实佣金标准');
    await card.locator('.action-form button[type=submit]').click();
    await expect
      .poll(() => card.locator('.handling li').allTextContents())
      .toContainEqual(expect.stringContaining('王主管：处理记录：已致电客户核实佣金标准'));
    // Transfer to another department, chosen from the firm's departments.
    const department = (await card.locator('.ticket-department').textContent()) ?? '';
    await card.locator('.actions button', { hasText: '转派' }).click();
    const targets = await card.locator('select[name=department] option').allTextContents();
    const target = targets.find((d) => d !== department)!;
    expect(target).toBeDefined();
    await card.locator('select[name=department]').selectOption(target);
    await card.locator('.action-form button[type=submit]').click();
    await expect.poll(() => card.locator('.ticket-department').textContent()).toBe(target);
    // Resolve with the result, its cause and the improvement.
    await card.locator('.actions button', { hasText: '办结' }).click();
    await card.locator('textarea[name=result]').fill('经核实已退还多收佣金');
    await card.locator('select[name=cause]').selectOption('业务规则');
    await card.locator('textarea[name=improvement]').fill('开户时书面确认佣金标准');
    await card.locator('.action-form button[type=submit]').click();
    await expect.poll(() => card.locator('.ticket-status').textContent()).toBe('已解决');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#tickets a.csv').click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain(ticketId);
    expect(csv).toContain('138****5678');
    expect(csv).not.toContain('13812345678');
  });

  it('groups what the bot missed and copies a group snippet', async () => {
    // Two customers' 「…咋整啊弄不了」 fell to the fallback ladder: one group, one snippet with both.
    await page.locator('.tabs button[data-tab=missed]').click();
    await expect
      .poll(() => page.locator('#missed .group').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    const group = page.locator('#missed .group', { hasText: '咋整啊弄不了' }).first();
    expect(await group.locator('.examples li').allTextContents()).toEqual(
      expect.arrayContaining(['那个东西咋整啊弄不了', '这玩意咋整啊弄不了']),
    );
    const snippet = (await group.locator('pre.yaml').textContent()) ?? '';
    expect(snippet).toContain('- 那个东西咋整啊弄不了');
    expect(snippet).toContain('- 这玩意咋整啊弄不了');
    await expect.poll(() => blankCharts(page, '#missed')).toEqual([]);
    await group.locator('button.copy').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(snippet);
  });

  it('signs out: back to the sign-in form, and the session is gone on the server too', async () => {
    await page.locator('.sign-out').click();
    await expect.poll(() => page.locator('#sign-in').isVisible()).toBe(true);
    const after = await page.evaluate(async () => (await fetch('/console/session')).status);
    expect(after).toBe(401);
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('reads on a phone: one column, no sideways scrolling, charts drawn', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    // Arriving by a handoff thread's link: sign in first, then the transcript it names.
    await page.goto(`${baseUrl}/console#/conversations/${encodeURIComponent(markupRef)}`);
    await page.locator('input[name=token]').fill(ADMIN_TOKEN);
    await page.locator('input[name=name]').fill('李专员');
    await page.locator('.sign-in-form button[type=submit]').click();
    const viewer = page.locator('#conversations .transcript');
    await expect.poll(() => viewer.getAttribute('data-ref')).toBe(markupRef);
    expect(await viewer.locator('.line-text').allTextContents()).toContain(XSS);
    expect(await viewer.isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await page.locator('.tabs button[data-tab=overview]').click();
    await expect.poll(() => page.locator('#overview').getAttribute('data-loaded')).not.toBeNull();
    await expect.poll(() => blankCharts(page, '#overview')).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    const boxes = await page
      .locator('#overview .card')
      .evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect().width));
    for (const width of boxes) expect(width).toBeGreaterThan(330);
    await page.locator('.tabs button[data-tab=conversations]').click();
    await page.locator('#conversations .search button[type=submit]').click();
    await expect.poll(() => page.locator('#conversations .result').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await page.close();
  });
});
