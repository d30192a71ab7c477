// The statistics port: the app tells it what happened (a turn read, a handoff, a wait, a survey,
// a ticket change) and it keeps the running aggregates and the conversation index current. It
// never slows or breaks a turn: each report is queued (in order per conversation) and a failure
// is logged, not thrown.
import { maskPersonalData } from '../../compliance/mask.ts';
import type { TurnReading } from '../../core/pipeline.ts';
import { shanghaiDay } from '../../core/workdays.ts';
import { normalizeText } from '../../nlu/normalize.ts';
import type { Tokenizer } from '../../nlu/tokenize.ts';
import { OUT_OF_SCOPE } from '../../nlu/types.ts';
import type { ComplaintTicket } from '../../store/types.ts';
import { FIELD, LOW_CONFIDENCE, ticketContribution, waitBucket } from './counters.ts';
import type { ConsoleStores, ConversationSummary, DayCounters } from './types.ts';

export interface StatisticsPort {
  turn(reading: TurnReading): void;
  handoffStarted(at: Date): void;
  /** An agent took a waiting customer after `waitMs` in the queue. */
  handoffTaken(waitMs: number, at: Date): void;
  /** A customer left the agent queue (taken, cancelled, left a message...). */
  queueLeft(at: Date): void;
  survey(score: number, at: Date): void;
  /** A ticket was created or changed: its counters follow its new status, department... */
  ticket(ticket: ComplaintTicket): void;
}

export interface StatisticsRecorder extends StatisticsPort {
  /**
   * Reports every ticket again (on start): tickets registered before the statistics existed
   * count too. A ticket's counts are replaced, never added, so this is safe on every start.
   */
  recountTickets(list: () => Promise<ComplaintTicket[]>): void;
  /** Resolves once every report made so far is stored (tests, shutdown). */
  settled(): Promise<void>;
}

/** Intents that are not a topic the customer asked about. */
const NOT_TOPICS = new Set([OUT_OF_SCOPE, 'not_helped', 'none']);
/** Words kept per conversation for search: enough to find it, bounded whatever its length. */
export const MAX_WORDS_PER_CONVERSATION = 64;

/** The words of a text the index keeps and a search looks for (masked first, then segmented). */
export function searchWords(tokenizer: Tokenizer, text: string): string[] {
  const words = tokenizer.cut(normalizeText(maskPersonalData(text)));
  return [...new Set(words.filter((w) => w.length >= 2 && /\p{L}/u.test(w) && !w.includes('*')))];
}

export function createStatisticsRecorder(deps: {
  stores: ConsoleStores;
  tokenizer: Tokenizer;
  log: (message: string) => void;
}): StatisticsRecorder {
  const { statistics, conversations } = deps.stores;
  const chains = new Map<string, Promise<void>>();
  const pending = new Set<Promise<void>>();

  /** Runs reports about one key in order; everything else runs concurrently. */
  function queue(key: string, task: () => Promise<void>): void {
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(task)
      .catch((error: unknown) => deps.log(`console statistics: ${describe(error)}`));
    chains.set(key, next);
    pending.add(next);
    void next.finally(() => {
      pending.delete(next);
      if (chains.get(key) === next) chains.delete(key);
    });
  }

  const add = (at: Date, amounts: DayCounters) => statistics.add(shanghaiDay(at), amounts);

  async function recordTurn(r: TurnReading): Promise<void> {
    const previous = await conversations.get(r.conversationId);
    // A ticket may name the conversation before its first turn is stored (turns: 0).
    const started = previous !== null && previous.turns > 0 ? previous : null;
    const day = shanghaiDay(r.at);
    const intent = r.nlu.intent;
    const question = r.nlu.question?.id ?? null;
    const fellBack = r.fallbackStep > 0;
    // An answer to the bot's own question (a form, a button) is not a topic the customer raised.
    const understood = !fellBack && !r.answering && !NOT_TOPICS.has(intent);
    const amounts: DayCounters = { [FIELD.turns]: 1 };
    if (fellBack) amounts[FIELD.fallback] = 1;
    else if (understood && r.nlu.confidence < LOW_CONFIDENCE) amounts[FIELD.lowConfidence] = 1;
    if (understood) amounts[FIELD.topic(intent)] = 1;
    if (understood && question) amounts[FIELD.question(question)] = 1;
    if (!started) amounts[FIELD.conversation(r.channel)] = 1;
    const startDay = started ? shanghaiDay(new Date(started.startedAt)) : day;
    const newlyHuman = r.hadHandoff === true && !previous?.human;
    if (newlyHuman && startDay === day) amounts[FIELD.human] = 1;
    await statistics.add(day, amounts);
    // Containment belongs to the day the conversation started.
    if (newlyHuman && startDay !== day) await statistics.add(startDay, { [FIELD.human]: 1 });

    const at = r.at.toISOString();
    const words = previous?.words ?? [];
    const room = MAX_WORDS_PER_CONVERSATION - words.length;
    const fresh =
      room > 0 ? searchWords(deps.tokenizer, r.text).filter((w) => !words.includes(w)) : [];
    const summary: ConversationSummary = {
      ref: r.conversationId,
      channel: previous?.channel ?? r.channel,
      startedAt: started?.startedAt ?? at,
      lastAt: previous && previous.lastAt > at ? previous.lastAt : at,
      turns: (previous?.turns ?? 0) + 1,
      topics: union(previous?.topics, understood ? [intent] : []),
      questions: union(previous?.questions, understood && question ? [question] : []),
      ticketIds: previous?.ticketIds ?? [],
      words: [...words, ...fresh.slice(0, Math.max(0, room))],
      human: (previous?.human ?? false) || r.hadHandoff === true,
    };
    await conversations.put(summary, previous);
  }

  async function recordTicket(ticket: ComplaintTicket): Promise<void> {
    const { day, fields } = ticketContribution(ticket);
    await statistics.contribute(`ticket:${ticket.id}`, day, fields);
    const previous = await conversations.get(ticket.conversationId);
    if (previous?.ticketIds.includes(ticket.id)) return;
    const summary: ConversationSummary = previous ?? {
      ref: ticket.conversationId,
      channel: ticket.channel,
      startedAt: ticket.createdAt,
      lastAt: ticket.createdAt,
      turns: 0,
      topics: [],
      questions: [],
      ticketIds: [],
      words: [],
      human: false,
    };
    await conversations.put({ ...summary, ticketIds: [...summary.ticketIds, ticket.id] }, previous);
  }

  const recorder: StatisticsRecorder = {
    turn(reading) {
      queue(reading.conversationId, () => recordTurn(reading));
    },
    handoffStarted(at) {
      queue('handoff', () => add(at, { [FIELD.handoffs]: 1 }));
    },
    handoffTaken(waitMs, at) {
      const wait = Math.max(0, waitMs);
      queue('handoff', () => add(at, { [FIELD.taken]: 1, [FIELD.wait(waitBucket(wait))]: 1 }));
    },
    queueLeft(at) {
      queue('handoff', () => add(at, { [FIELD.leftQueue]: 1 }));
    },
    survey(score, at) {
      if (!Number.isInteger(score) || score < 1 || score > 5) return;
      queue('survey', () => add(at, { [FIELD.survey(score)]: 1 }));
    },
    ticket(ticket) {
      // The conversation's chain: its ticket id joins the summary after the turn that made it.
      queue(ticket.conversationId, () => recordTicket(ticket));
    },
    recountTickets(list) {
      queue('tickets:recount', async () => {
        for (const ticket of await list()) recorder.ticket(ticket);
      });
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
  return recorder;
}

function union(before: string[] | undefined, more: string[]): string[] {
  const out = [...(before ?? [])];
  for (const v of more) if (!out.includes(v)) out.push(v);
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
