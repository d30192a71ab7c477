// kill -9 of the bot in the middle of concurrent complaints, on the embedded store and on Redis,
// then a new process on the same data: every complaint resumes where it was, no confirmed ticket
// and no acknowledged customer message is lost.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { internalConversationId } from '../../src/channels/web/index.ts';
import { adminTickets, startBot, type BotProcess } from './support/bot-process.ts';
import { dirSizeMb } from './support/measure.ts';
import {
  BUSY,
  complaintAnswer,
  complaintStage,
  ticketIdIn,
  WebChatClient,
} from './support/web-client.ts';

const CUSTOMERS = 16;
/** The bot is killed once this many turns were answered (about 45% of all). */
const KILL_AFTER_TURNS = 70;

interface Customer {
  client: WebChatClient;
  /** Texts the bot answered, in order. */
  acknowledged: string[];
  /** The last bot message the customer saw. */
  lastPrompt: string;
  ticketIds: string[];
  inFlight: string | null;
  /** Sent while the bot was killed (no answer): the customer does not know whether it arrived. */
  interrupted: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lastText(texts: string[]): string {
  return texts.at(-1) ?? '';
}

/** Answers the form's questions until the ticket is filed, the bot dies, or `stop()` says so. */
async function converse(customer: Customer, stop: () => boolean, onTurn: () => void) {
  while (!stop() && customer.ticketIds.length === 0) {
    const text = complaintAnswer(customer.lastPrompt);
    if (text === null) return;
    customer.inFlight = text;
    let said;
    try {
      said = await customer.client.say(text);
    } catch {
      customer.interrupted = text;
      return;
    } finally {
      customer.inFlight = null;
    }
    expect(said.status).toBe(200);
    customer.acknowledged.push(text);
    customer.lastPrompt = lastText(said.texts);
    for (const t of said.texts) {
      const id = ticketIdIn(t);
      if (id) customer.ticketIds.push(id);
    }
    onTurn();
    await sleep(Math.random() * 40);
  }
}

interface Figures {
  store: string;
  customers: number;
  turnsBeforeKill: number;
  inFlightAtKill: number;
  resumed: number;
  ticketsConfirmed: number;
  ticketsLost: number;
  duplicateTickets: number;
  messagesLost: number;
  restartMs: number;
  rssMb: number;
  diskMb: number;
}

async function crashDuringComplaints(kind: 'embedded' | 'redis'): Promise<Figures> {
  const dataDir = await mkdtemp(join(tmpdir(), `csbot-crash-${kind}-`));
  const redis =
    kind === 'redis'
      ? { redisUrl: inject('redisUrl'), redisKeyPrefix: `csbot-crash-${randomUUID()}:` }
      : {};
  let bot: BotProcess | null = null;
  try {
    bot = await startBot({ dataDir, ...redis });
    const first = bot;
    const customers: Customer[] = Array.from({ length: CUSTOMERS }, () => ({
      client: new WebChatClient(first.url, `crash-${randomUUID()}`),
      acknowledged: [],
      lastPrompt: '',
      ticketIds: [],
      inFlight: null,
      interrupted: null,
    }));

    // Phase 1: everyone files a complaint at once; the bot is killed part way.
    let turns = 0;
    let killed = false;
    let inFlightAtKill = 0;
    const killer = (async () => {
      while (turns < KILL_AFTER_TURNS) await sleep(5);
      inFlightAtKill = customers.filter((c) => c.inFlight !== null).length;
      killed = true;
      await first.kill9();
    })();
    await Promise.all(
      customers.map(async (customer, i) => {
        await sleep(i * 15);
        await converse(
          customer,
          () => killed,
          () => (turns += 1),
        );
      }),
    );
    await killer;
    const turnsBeforeKill = turns;
    expect(first.ended()).toBe('SIGKILL');
    const confirmedBefore = customers.flatMap((c) => c.ticketIds);

    // Phase 2: a new process on the same data; each customer carries on from what they saw.
    const restartedAt = Date.now();
    bot = await startBot({ dataDir, ...redis });
    const restartMs = Date.now() - restartedAt;
    const second = bot;
    let resumed = 0;
    await Promise.all(
      customers.map(async (customer) => {
        customer.client.baseUrl = second.url;
        if (customer.ticketIds.length > 0) return;
        if (customer.interrupted !== null) {
          // No answer came: like the widget after a reload, look at the history first.
          const history = await customer.client.history();
          const last = history.at(-1);
          if (last && last.direction !== 'customer') customer.lastPrompt = last.text;
        } else if (customer.acknowledged.length > 0) {
          // Mid-form and idle when the bot died: the next answer must be taken as the next step.
          const before = complaintStage(customer.lastPrompt);
          const answer = complaintAnswer(customer.lastPrompt)!;
          const said = await customer.client.say(answer);
          expect(said.status).toBe(200);
          expect(said.texts.join('')).not.toContain(BUSY);
          customer.acknowledged.push(answer);
          customer.lastPrompt = lastText(said.texts);
          for (const t of said.texts) {
            const id = ticketIdIn(t);
            if (id) customer.ticketIds.push(id);
          }
          const after = customer.ticketIds.length > 0 ? 8 : complaintStage(customer.lastPrompt);
          expect(after, `resumed at stage ${before}: ${said.texts.join(' | ')}`).toBe(before + 1);
          resumed += 1;
        }
        await converse(
          customer,
          () => false,
          () => {},
        );
      }),
    );

    // Nothing confirmed is gone; every complaint ended with a ticket.
    const tickets = await adminTickets(second.url);
    const ids = new Set(tickets.map((t) => t.id));
    const confirmed = customers.flatMap((c) => c.ticketIds);
    expect(confirmedBefore.every((id) => ids.has(id))).toBe(true);
    expect(confirmed.every((id) => ids.has(id))).toBe(true);
    expect(customers.every((c) => c.ticketIds.length === 1)).toBe(true);
    let duplicateTickets = 0;
    let messagesLost = 0;
    for (const customer of customers) {
      const mine = tickets.filter(
        (t) => t.conversationId === internalConversationId(customer.client.conversationId),
      );
      duplicateTickets += Math.max(0, mine.length - 1);
      // Every acknowledged message is in the transcript, in the order it was written.
      const written = (await customer.client.history())
        .filter((l) => l.direction === 'customer')
        .map((l) => l.text);
      let at = 0;
      for (const text of customer.acknowledged) {
        const found = written.indexOf(text, at);
        if (found < 0) messagesLost += 1;
        else at = found + 1;
      }
    }
    expect(messagesLost).toBe(0);
    expect(second.ended()).toBeNull();
    expect(second.output()).not.toContain('unhandled rejection');
    return {
      store: kind,
      customers: CUSTOMERS,
      turnsBeforeKill,
      inFlightAtKill,
      resumed,
      ticketsConfirmed: confirmed.length,
      ticketsLost: confirmed.filter((id) => !ids.has(id)).length,
      duplicateTickets,
      messagesLost,
      restartMs,
      rssMb: second.rssMb(),
      diskMb: await dirSizeMb(dataDir),
    };
  } finally {
    await bot?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe.concurrent('kill -9 of the bot during concurrent complaints', () => {
  it.each(['embedded', 'redis'] as const)(
    'on the %s store: complaints resume in a new process, nothing confirmed is lost',
    async (kind) => {
      const figures = await crashDuringComplaints(kind);
      console.info(`[faults] crash/restart ${JSON.stringify(figures)}`);
      expect(figures.resumed).toBeGreaterThan(0);
    },
    300_000,
  );
});
