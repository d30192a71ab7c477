// 10,000 hostile and odd messages through the web API of a running bot (embedded store): huge,
// binary, emoji, mixed scripts, lone surrogates, broken bodies. The bot never crashes or answers
// 5xx, every message it accepted is in the transcript, and memory and disk stay in proportion.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { findSensitive } from '../../src/conversation/sensitive.ts';
import { describe, expect, it } from 'vitest';
import { startBot } from './support/bot-process.ts';
import { fuzzRequest, seeded } from './support/fuzz-messages.ts';
import { dirSizeMb } from './support/measure.ts';
import { COMPLAINT_STEPS, WebChatClient } from './support/web-client.ts';

const MESSAGES = 10_000;
/** Like a busy site's web chat: a few dozen customers typing at once, not a flood of sockets. */
const CONCURRENCY = 16;
const SLOTS_PER_WORKER = 40;
/** What the pipeline keeps of an over-long message (4 x the 500-character reading limit). */
const RECORDED_CHARS = 2000;
const SEED = 20261128;

interface Slot {
  client: WebChatClient;
  /** What the bot accepted from this slot, in order (null: accepted, not a text). */
  accepted: string[];
}

describe('fuzzed messages through the web API', () => {
  it(`answers ${MESSAGES.toLocaleString('en')} hostile messages without a crash or a lost line`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'csbot-fuzz-'));
    const bot = await startBot({ dataDir });
    try {
      // Warm up with ordinary conversations so the baseline is a running bot, not a cold one.
      const warm = new WebChatClient(bot.url, `fuzz-warm-${randomUUID()}`);
      for (const step of COMPLAINT_STEPS) expect((await warm.say(step.say)).status).toBe(200);
      const rssBefore = bot.rssMb();
      const diskBefore = await dirSizeMb(dataDir);

      const statuses = new Map<number, number>();
      const slots: Slot[][] = Array.from({ length: CONCURRENCY }, (_, w) =>
        Array.from({ length: SLOTS_PER_WORKER }, (_, s) => ({
          client: new WebChatClient(bot.url, `fuzz-${w}-${s}-${randomUUID().slice(0, 8)}`),
          accepted: [],
        })),
      );
      // The server issues web conversation ids: each slot opens its conversation first.
      for (const slot of slots.flat()) expect((await slot.client.say('你好')).status).toBe(200);
      let rssPeak = rssBefore;
      let sent = 0;
      const started = Date.now();
      await Promise.all(
        slots.map(async (mine, w) => {
          const random = seeded(SEED + w);
          for (let i = w; i < MESSAGES; i += CONCURRENCY) {
            const slot = mine[Math.floor(random() * mine.length)]!;
            const fuzz = fuzzRequest(random, { conversationId: slot.client.conversationId });
            const response = await request(`${bot.url}/api/web/messages`, {
              method: 'POST',
              headers: fuzz.contentType ? { 'content-type': fuzz.contentType } : {},
              body: fuzz.body,
            });
            const body = await response.body.text();
            statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
            expect(response.statusCode, body.slice(0, 300)).toBeLessThan(500);
            if (response.statusCode === 200 && fuzz.text !== null) {
              // Passwords and verification codes are kept out of the record by design.
              slot.accepted.push(findSensitive(fuzz.text).redacted.slice(0, RECORDED_CHARS));
            }
            sent += 1;
            if (sent % 1000 === 0) rssPeak = Math.max(rssPeak, bot.rssMb());
          }
        }),
      );
      const seconds = (Date.now() - started) / 1000;

      // Still alive and serving: a complaint goes through end to end after the storm.
      expect(bot.ended()).toBeNull();
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      const after = new WebChatClient(bot.url, `fuzz-after-${randomUUID()}`);
      let last = '';
      for (const step of COMPLAINT_STEPS) last = (await after.say(step.say)).texts.join('');
      expect(last).toContain('工单号');

      // Every accepted text is in its conversation's transcript, in order.
      let lost = 0;
      let accepted = 0;
      const missing: { text: string; near: string[] }[] = [];
      for (const slot of slots.flat()) {
        if (slot.accepted.length === 0) continue;
        const written = (await slot.client.history())
          .filter((l) => l.direction === 'customer')
          .map((l) => l.text);
        let at = 0;
        for (const text of slot.accepted) {
          accepted += 1;
          const found = written.indexOf(text, at);
          if (found < 0) {
            lost += 1;
            missing.push({
              text: `${text.length}:${text.slice(0, 40)}…${text.slice(-40)}`,
              near: written
                .slice(Math.max(0, at - 1), at + 2)
                .map((w) => `${w.length}:${w.slice(0, 40)}…${w.slice(-40)}`),
            });
          } else at = found + 1;
        }
      }
      const rssAfter = bot.rssMb();
      const diskAfter = await dirSizeMb(dataDir);
      const figures = {
        messages: sent,
        seconds: Math.round(seconds * 10) / 10,
        statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
        acceptedTexts: accepted,
        lost,
        crashed: bot.ended() !== null,
        rssBeforeMb: rssBefore,
        rssPeakMb: Math.max(rssPeak, rssAfter),
        rssAfterMb: rssAfter,
        diskGrowthMb: Math.round((diskAfter - diskBefore) * 100) / 100,
      };
      console.info(`[faults] fuzz ${JSON.stringify(figures)}`);
      // Over-long messages included, however many a conversation sends in a minute (issue #12).
      expect(missing, JSON.stringify(missing).slice(0, 2000)).toEqual([]);
      expect(accepted).toBeGreaterThan(MESSAGES / 2);
      expect(bot.output()).not.toContain('unhandled rejection');
      // Generous ceilings: the point is proportion, not a benchmark.
      expect(figures.rssPeakMb - rssBefore).toBeLessThan(300);
      expect(figures.diskGrowthMb).toBeLessThan(200);
    } finally {
      await bot.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
