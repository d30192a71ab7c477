// The web widget in a real browser against the real app: ask, tap a quick reply, reload, and the
// history is back.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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

let app: App;
let baseUrl: string;
let profileDir: string;
let context: BrowserContext;

beforeAll(async () => {
  // The real app as `npm start` builds it: trained classifier, shipped dialogs, memory stores.
  const content = loadContent({ rootDir: ROOT });
  const { dialogs, issues } = loadDialogs(join(ROOT, 'dialogs'), ROOT);
  expect(issues).toEqual([]);
  app = await createApp(appConfigFromEnv({}, content.firm), {
    content,
    dialogs,
    nlu: buildNluEngine(content),
    stores: createMemoryStores(),
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  profileDir = mkdtempSync(join(tmpdir(), 'csbot-e2e-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 390, height: 760 },
    locale: 'zh-CN',
  });
});

afterAll(async () => {
  await context?.close();
  await app?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

function bubbles(page: Page, direction: string) {
  return page.locator(`.csbot-msg.csbot-${direction} .csbot-bubble`);
}

/** What the server recorded for the page's conversation: the truth the widget must show. */
async function transcriptOf(page: Page): Promise<{ direction: string; text: string }[]> {
  const id = await page.evaluate(() => window.localStorage.getItem('csbot.conversationId'));
  const res = await fetch(
    `${baseUrl}/api/web/messages?conversationId=${encodeURIComponent(id ?? '')}`,
  );
  return ((await res.json()) as { messages: { direction: string; text: string }[] }).messages;
}

async function lastBotText(page: Page): Promise<string | null> {
  return bubbles(page, 'bot').last().textContent();
}

describe('web chat widget', () => {
  it('asks, taps a quick reply, sees the answer, and restores the history after a reload', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(baseUrl + '/');
    await expect.poll(() => page.locator('.csbot-title').textContent()).toBe('在线客服');
    // The AI label of config/firm.yaml, in the header for the whole conversation.
    expect(await page.locator('.csbot-ai-label').textContent()).toBe('本回答由AI生成');
    expect(await page.locator('.csbot-ai-label').isVisible()).toBe(true);
    // The greeting comes with quick replies.
    await expect.poll(() => page.locator('.csbot-quick button').count()).toBeGreaterThan(0);
    const greeting = await lastBotText(page);
    expect(greeting).toContain('您好');

    const input = page.locator('.csbot-input');
    expect(await input.getAttribute('placeholder')).toBe('请输入您的问题…');
    await input.fill('我想开户');
    await page.locator('.csbot-send', { hasText: '发送' }).click();
    await expect.poll(() => bubbles(page, 'customer').last().textContent()).toBe('我想开户');
    await expect.poll(() => lastBotText(page)).not.toBe(greeting);
    const question = await lastBotText(page);
    const offered = page.locator('.csbot-quick button:not([disabled])');
    await expect.poll(() => offered.count()).toBeGreaterThan(0);

    const tapped = (await offered.first().textContent()) ?? '';
    await offered.first().click();
    await expect.poll(() => bubbles(page, 'customer').last().textContent()).toBe(tapped);
    await expect.poll(() => lastBotText(page)).not.toBe(question);
    const answer = await lastBotText(page);
    // The conversation id came from the server: long, random, and not made up in the browser.
    const id = await page.evaluate(() => window.localStorage.getItem('csbot.conversationId'));
    expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const recorded = await transcriptOf(page);
    expect(recorded.filter((m) => m.direction === 'customer').map((m) => m.text)).toEqual([
      '我想开户',
      tapped,
    ]);
    expect(recorded.filter((m) => m.direction === 'bot').at(-1)?.text).toBe(answer);

    // Text from the conversation is shown as text, never run as markup.
    await input.fill('<img src=x onerror="window.__xss=1">');
    await input.press('Enter');
    await expect
      .poll(() => bubbles(page, 'customer').last().textContent())
      .toBe('<img src=x onerror="window.__xss=1">');
    // Typed right after an answer, it may wait a moment to be read with anything that follows.
    // (Polled on the markup line itself: the previous answer also ends in customer, bot.)
    await expect
      .poll(async () =>
        (await transcriptOf(page)).slice(-2).map((m) => `${m.direction}:${m.text.slice(0, 40)}`),
      )
      .toEqual(['customer:<img src=x onerror="window.__xss=1">', expect.stringMatching(/^bot:/)]);
    await expect
      .poll(() => page.locator('.csbot-msg').count())
      .toBe((await transcriptOf(page)).length);
    expect(await page.locator('.csbot-log img').count()).toBe(0);
    const before = await page.locator('.csbot-msg .csbot-bubble').allTextContents();

    await page.reload();
    await expect
      .poll(() => page.locator('.csbot-msg .csbot-bubble').allTextContents())
      .toEqual(before);
    expect(before).toEqual((await transcriptOf(page)).map((m) => m.text));
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    // Answered choices stay answered after the reload.
    const stillOpen = await page.locator('.csbot-quick button:not([disabled])').count();
    const lastRow = page.locator('.csbot-msg').last();
    expect(stillOpen).toBe(await lastRow.locator('.csbot-quick button').count());

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/web-chat.png' });
  });

  it('falls back to REST polling when the WebSocket cannot connect', async () => {
    const page = await context.newPage();
    await page.addInitScript(() => {
      // A proxy that blocks WebSockets looks like this to the page.
      class BlockedSocket extends EventTarget {
        readyState = 3;
        onclose: (() => void) | null = null;
        onerror: (() => void) | null = null;
        onopen: (() => void) | null = null;
        onmessage: (() => void) | null = null;
        constructor() {
          super();
          setTimeout(() => {
            this.onerror?.();
            this.onclose?.();
          }, 10);
        }
        send() {}
        close() {}
      }
      (window as unknown as { WebSocket: unknown }).WebSocket = BlockedSocket;
      window.localStorage.setItem('csbot.conversationId', 'polling-visitor');
    });
    await page.goto(baseUrl + '/');
    await expect
      .poll(() => bubbles(page, 'bot').first().textContent(), { timeout: 15_000 })
      .toContain('您好');
    await page.locator('.csbot-input').fill('股票交易时间是几点');
    await page.locator('.csbot-send').click();
    await expect.poll(() => page.locator('.csbot-pending').count(), { timeout: 15_000 }).toBe(0);
    await expect
      .poll(async () => (await transcriptOf(page)).map((m) => m.text))
      .toEqual(await page.locator('.csbot-msg .csbot-bubble').allTextContents());
    expect((await transcriptOf(page)).length).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.csbot-status').textContent()).toContain('普通模式');
    // The id the page made up was not the server's: it now holds the one the server issued.
    const id = await page.evaluate(() => window.localStorage.getItem('csbot.conversationId'));
    expect(id).not.toBe('polling-visitor');
    expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    await page.close();
  });

  it('keeps the topic buttons of an answer usable while a form asks again, until the customer answers', async () => {
    const page = await context.newPage();
    await page.goto(baseUrl + '/');
    const input = page.locator('.csbot-input');
    let sent = 0;
    const send = async (text: string): Promise<void> => {
      // Paced like a person typing, within the per-conversation rate limit.
      if (sent++ >= 3) await page.waitForTimeout(3100);
      const before = await page.locator('.csbot-msg').count();
      await input.fill(text);
      await input.press('Enter');
      await expect.poll(() => bubbles(page, 'customer').last().textContent()).toBe(text);
      await expect.poll(() => page.locator('.csbot-msg').count()).toBeGreaterThan(before + 1);
    };
    for (const text of ['我要投诉', '张三', '13812345678', '跳过', '跳过']) await send(text);
    await expect.poll(() => lastBotText(page)).toContain('投诉类别');
    await send('交易时间几点开始');
    await expect
      .poll(() => page.locator('.csbot-msg.csbot-bot .csbot-bubble').allTextContents())
      .toContainEqual(expect.stringContaining('继续刚才的投诉登记'));
    // The rows after the customer's last message: the answer (with its topics) and the question.
    const rows = page.locator('.csbot-msg.csbot-customer').last().locator('~ .csbot-msg');
    const offeredRows = rows.filter({ has: page.locator('.csbot-quick button') });
    await expect.poll(() => offeredRows.count()).toBe(2);
    const topics = offeredRows.first().locator('.csbot-quick button');
    expect(await topics.count()).toBeGreaterThan(0);
    expect(await offeredRows.first().locator('.csbot-quick button:disabled').count()).toBe(0);
    expect(await offeredRows.last().locator('.csbot-quick button:disabled').count()).toBe(0);

    // Tapping a topic answers it and comes back to the complaint; then the old buttons are spent.
    // (Held as elements: the rows after the customer's last message are new rows by then.)
    const spent = await topics.elementHandles();
    await topics.first().click();
    await expect.poll(() => lastBotText(page)).toContain('投诉类别');
    for (const button of spent) expect(await button.isDisabled()).toBe(true);
    await page.close();
  });
});
