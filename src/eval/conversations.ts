// Conversation tests as data: each case (test/conversations/**/*.yaml) is played through the real
// pipeline - the classifier trained from intents/, the shipped dialogs, memory stores and the real
// handoff service with a recording desk - and every turn's reply is checked against what a
// correct reply must and must not contain. Used by the test suite, `csbot test` and
// `csbot eval conversations`. Format: docs/dialog-format.md, "Conversation tests".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { parse } from 'yaml';
import type { LoadedContent } from '../content/load.ts';
import type { InboundContent, OutboundMessage, QuickReply } from '../core/message.ts';
import { createConversationGateway, type TurnLogger } from '../core/pipeline.ts';
import type { DialogSet } from '../dialog/types.ts';
import { MemoryHandoffBus } from '../handoff/bus.ts';
import type { AgentDesk, ThreadOpening } from '../handoff/desk.ts';
import {
  createHandoffService,
  DEFAULT_HANDOFF_SETTINGS,
  type HandoffRuntime,
} from '../handoff/handoff-service.ts';
import { MemoryHandoffQueue } from '../handoff/queue.ts';
import { parseServiceHours } from '../handoff/service-hours.ts';
import type { HandoffRequest } from '../handoff/types.ts';
import type { NluEngine } from '../nlu/engine.ts';
import { createMemoryStores } from '../store/index.ts';
import type { ComplaintTicket } from '../store/types.ts';
import { detectScript } from '../conversation/script.ts';
import { simplifiedScript } from '../dialog/answers.ts';

export interface Expectation {
  contains?: string | string[];
  /** At least one must appear. */
  anyOf?: string[];
  notContains?: string | string[];
  matches?: string | string[];
  intent?: string;
  quickReplies?: string[];
  /** true: a ticket was created this turn; a mapping: and it has these fields. */
  ticket?: boolean | Record<string, unknown>;
  handoff?: boolean | string;
  survey?: number;
  /** The bot says nothing (a message relayed to a human agent). */
  silent?: boolean;
  /** No paragraph of this reply was already said earlier in the conversation. */
  notRepeated?: boolean;
  /** The reply is written in traditional characters. */
  traditional?: boolean;
  /** The bot asks back: it offers choices or ends with a question. */
  asks?: boolean;
  /** What the agents' desk thread shows (header fields, posts and end note, joined). */
  thread?: { contains?: string | string[]; notContains?: string | string[] };
}

export interface TurnSpec {
  say?: string;
  tap?: string;
  media?: string;
  event?: 'conversation_start';
  /** An agent takes the conversation (接单); what the customer is told is the reply. */
  agentJoins?: boolean;
  agentCloses?: boolean;
  /** Moves the clock (e.g. "2026-11-23T17:05:00+08:00") before the turn. */
  at?: string;
  /** The desk's periodic queue check runs; what it tells the customer is the reply. */
  deskCheck?: boolean;
  expect?: Expectation;
}

/**
 * The agent desk of a case (service hours Mon-Fri 09:00-17:00 Asia/Shanghai): open (default),
 * after_hours (the conversation starts Monday 20:00), unreachable (the desk cannot open threads),
 * busy (two customers already waiting).
 */
export type DeskMode = 'open' | 'after_hours' | 'unreachable' | 'busy';

export interface ConversationCase {
  name: string;
  category?: string;
  /** ISO instant the conversation starts (default Monday 2026-11-23 10:00 Beijing). */
  clock?: string;
  desk?: DeskMode;
  turns: TurnSpec[];
  /** File it came from, relative to the folder read. */
  file: string;
}

export interface CaseResult {
  file: string;
  name: string;
  category: string;
  passed: boolean;
  /** What went wrong, one line per failed expectation, with the turn. */
  failures: string[];
  /** The same, with the 1-based turn each expectation failed at (for a diff beside the reply). */
  problems: { turn: number; expected: string }[];
  /** What the bot said, turn by turn (for readable diffs). */
  transcript: { customer: string; bot: string }[];
}

export const DEFAULT_CASE_CLOCK = '2026-11-23T02:00:00.000Z';

/** Every case in the YAML files of a folder and its sub-folders, in file order, or of one file. */
export function loadConversationCases(where: string): ConversationCase[] {
  if (!existsSync(where)) throw new Error(`folder not found: ${where}`);
  // One file (csbot test test/conversations/mixed.yaml) is read as the only file of its folder.
  const single = !statSync(where).isDirectory();
  const dir = single ? dirname(where) : where;
  const files: string[] = single ? [where] : [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) files.push(path);
    }
  };
  if (!single) walk(dir);
  return files.flatMap((path) => {
    const file = relative(dir, path);
    const doc = parse(readFileSync(path, 'utf8')) as { cases?: unknown };
    if (!Array.isArray(doc?.cases)) throw new Error(`${file}: expected a top-level "cases:" list`);
    return (doc.cases as Omit<ConversationCase, 'file'>[]).map((c, i) => {
      if (!c || typeof c.name !== 'string' || !Array.isArray(c.turns))
        throw new Error(`${file}: case ${i + 1} needs a name and turns`);
      return { ...c, category: c.category ?? basename(file).replace(/\.ya?ml$/, ''), file };
    });
  });
}

export interface ConversationEnvironment {
  content: LoadedContent;
  nlu: NluEngine;
  dialogs: DialogSet;
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

interface RecordedThread {
  key: string;
  opening: ThreadOpening;
  posts: string[];
  ended: string | null;
}

/** A desk that records what the handoff service opens and posts (no Slack). */
function recordingDesk(failOpen: boolean): AgentDesk & { threads: RecordedThread[] } {
  const threads: RecordedThread[] = [];
  const find = (key: string): RecordedThread | undefined => threads.find((t) => t.key === key);
  return {
    threads,
    async openThread(opening) {
      if (failOpen) throw new Error('desk unreachable');
      const key = `thread-${threads.length + 1}`;
      threads.push({ key, opening, posts: [], ended: null });
      return key;
    },
    async postToThread(key, text) {
      find(key)?.posts.push(text);
    },
    async markClaimed() {},
    async markEnded(key, note) {
      const thread = find(key);
      if (thread) thread.ended = note;
    },
  };
}

/** After hours: Monday 2026-11-23 20:00 in Beijing. */
const AFTER_HOURS_CLOCK = '2026-11-23T12:00:00.000Z';

/** Plays one case through a fresh bot; never throws for a failed expectation. */
export async function runConversationCase(
  spec: ConversationCase,
  env: ConversationEnvironment,
): Promise<CaseResult> {
  let now = new Date(
    spec.clock ?? (spec.desk === 'after_hours' ? AFTER_HOURS_CLOCK : DEFAULT_CASE_CLOCK),
  );
  // Time moves a little with each turn, as in a real chat.
  const clock = (): Date => new Date(now);
  const stores = createMemoryStores({ clock });
  const errors: string[] = [];
  const logger: TurnLogger = {
    info: () => undefined,
    warn: () => undefined,
    error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields ?? {})}`),
  };
  const desk = recordingDesk(spec.desk === 'unreachable');
  const firm = env.content.firm;
  const bus = new MemoryHandoffBus(() => undefined);
  // Messages the service sends outside a turn (agent replies, the agent closing) land here.
  const delivered: OutboundMessage[] = [];
  const outlet = {
    channel: 'test' as const,
    async deliver(_target: unknown, messages: OutboundMessage[]) {
      delivered.push(...messages);
    },
  };
  const queue = new MemoryHandoffQueue();
  if (spec.desk === 'busy') {
    await queue.enqueue('test:someone-else-1', now.getTime() - 60_000);
    await queue.enqueue('test:someone-else-2', now.getTime() - 30_000);
  }
  const handoff: HandoffRuntime = createHandoffService({
    desk,
    queue,
    bus,
    states: stores.states,
    transcripts: stores.transcripts,
    tickets: stores.tickets,
    outlets: () => outlet,
    settings: {
      ...DEFAULT_HANDOFF_SETTINGS,
      serviceHours: parseServiceHours('Mon-Fri 09:00-17:00 Asia/Shanghai'),
      reinformEveryMs: 24 * 3600_000,
      broadcastChannels: [],
      firm: {
        hotline: firm.hotline ?? '',
        agentServiceHours: firm.agentServiceHours ?? '',
      },
    },
    clock,
    log: () => undefined,
  });
  const started: HandoffRequest[] = [];
  const recorded: typeof handoff = {
    ...handoff,
    async start(request) {
      started.push(request);
      return handoff.start(request);
    },
  };
  const gateway = createConversationGateway({
    nlu: env.nlu,
    content: env.content,
    dialogs: env.dialogs,
    stores,
    handoff: recorded,
    clock,
    logger,
  });
  handoff.bindControl(gateway);
  await handoff.startWorkers({ checkEveryMs: 0 });
  const conversationId = `test:${spec.name}`;
  const failures: string[] = [];
  const problems: CaseResult['problems'] = [];
  const transcript: CaseResult['transcript'] = [];
  const earlier: string[] = [];
  const disclosure = [firm.riskDisclosure, firm.aiLabel].filter((x): x is string => !!x);
  let menu: QuickReply[] = [];

  for (const [index, turn] of spec.turns.entries()) {
    const label =
      turn.say ??
      turn.tap ??
      turn.media ??
      turn.event ??
      (turn.deskCheck ? 'desk check' : turn.agentJoins ? 'agent joins' : 'agent closes');
    const where = `turn ${index + 1} (${label})`;
    const fail = (message: string): void => {
      failures.push(`${where}: ${message}`);
      problems.push({ turn: index + 1, expected: message });
    };
    now = turn.at !== undefined ? new Date(turn.at) : new Date(now.getTime() + 20_000);
    const ticketsBefore = (await stores.tickets.list()).length;
    const handoffsBefore = started.length;
    const errorsBefore = errors.length;
    let replies: OutboundMessage[] = [];
    if (turn.deskCheck) {
      const before = delivered.length;
      await handoff.checkQueue();
      replies = delivered.slice(before);
    } else if (turn.agentJoins) {
      const before = delivered.length;
      await handoff.claimed(conversationId, { id: 'agent-1', name: '小李' });
      await bus.drain();
      replies = delivered.slice(before);
    } else if (turn.agentCloses) {
      const before = delivered.length;
      await handoff.closed(conversationId, { id: 'agent-1', name: '小李' });
      await bus.drain();
      replies = delivered.slice(before);
    } else {
      let content: InboundContent | null = null;
      if (turn.tap !== undefined) {
        const reply = menu.find((q) => q.label === String(turn.tap));
        if (!reply) {
          fail(`no quick reply "${turn.tap}" among ${JSON.stringify(menu.map((q) => q.label))}`);
          transcript.push({ customer: `[tap] ${turn.tap}`, bot: '' });
          break;
        }
        content = { kind: 'choice', value: reply.value, label: String(turn.tap) };
      } else if (turn.media !== undefined)
        content = { kind: 'media', media: turn.media as 'image' };
      else if (turn.event) content = { kind: 'event', event: turn.event };
      else content = { kind: 'text', text: String(turn.say ?? '') };
      replies = await gateway.handleInbound({
        channel: 'test',
        conversationId,
        userId: 'customer-1',
        receivedAt: clock().toISOString(),
        content,
      });
    }
    const text = replies.map((r) => r.text).join('\n');
    transcript.push({ customer: label, bot: text });
    const shown = replies.flatMap((r) => (r.type === 'choices' ? r.quickReplies : []));
    // Every button of the reply stays usable until the customer answers; the last ones first.
    menu = [...replies].reverse().flatMap((r) => (r.type === 'choices' ? r.quickReplies : []));
    const e = turn.expect ?? {};
    if (errors.length > errorsBefore)
      fail(`errors logged: ${errors.slice(errorsBefore).join('; ')}`);
    if (e.silent) {
      if (replies.length > 0) fail(`the bot should stay silent, said "${text}"`);
    } else if (replies.length === 0) fail('the bot said nothing');
    // What a reply says is compared in simplified characters too: 聯繫電話 says 联系电话, and
    // `traditional: true` checks the script on its own.
    const said = simplifiedScript(text);
    const has = (s: string): boolean =>
      text.includes(String(s)) || said.includes(simplifiedScript(String(s)));
    for (const s of list(e.contains)) if (!has(s)) fail(`reply should contain "${s}"`);
    if (e.anyOf && e.anyOf.length > 0 && !e.anyOf.some(has))
      fail(`reply should contain one of ${JSON.stringify(e.anyOf)}`);
    for (const s of list(e.notContains)) if (has(s)) fail(`reply must not contain "${s}"`);
    for (const r of list(e.matches))
      if (!new RegExp(r, 'u').test(text) && !new RegExp(r, 'u').test(said))
        fail(`reply should match /${r}/`);
    for (const label of e.quickReplies ?? [])
      if (!shown.some((q) => q.label === label)) fail(`quick reply "${label}" missing`);
    if (e.notRepeated) {
      const repeated = paragraphs(text, disclosure).filter((p) => earlier.includes(p));
      if (repeated.length > 0) fail(`repeats an earlier paragraph: "${repeated[0]}"`);
    }
    if (e.traditional) {
      const script = detectScript(text);
      if (script === 'simplified' || script === null)
        fail('reply should be in traditional characters');
    }
    if (e.asks) {
      const asksBack =
        shown.length > 0 || /[？?]\s*$/u.test(text.trim()) || /吗[？?。]/u.test(text);
      if (!asksBack) fail('the bot should ask back (choices or a question)');
    }
    if (e.intent !== undefined) {
      const lines = await stores.transcripts.list(conversationId);
      const customer = [...lines]
        .reverse()
        .find((l) => l.direction === 'customer' && l.kind === 'message');
      if (customer?.intent !== e.intent)
        fail(`the message should be read as ${e.intent}, was ${customer?.intent ?? 'nothing'}`);
    }
    const ticketsAfter = await stores.tickets.list();
    const created = ticketsAfter.length > ticketsBefore;
    if (e.ticket !== undefined) {
      if (created !== (e.ticket !== false))
        fail(e.ticket === false ? 'no ticket expected' : 'a ticket should be created');
      if (created && typeof e.ticket === 'object') {
        const ticket = ticketsAfter.at(-1) as ComplaintTicket;
        for (const miss of mismatches(ticket, e.ticket)) fail(`ticket ${miss}`);
      }
    } else if (created) fail('unexpected ticket');
    const handedOff = started.length > handoffsBefore;
    if (e.handoff !== undefined) {
      if (handedOff !== (e.handoff !== false))
        fail(e.handoff === false ? 'no handoff expected' : 'a handoff should start');
      if (handedOff && typeof e.handoff === 'string' && started.at(-1)?.reason !== e.handoff)
        fail(`handoff reason should be ${e.handoff}, was ${started.at(-1)?.reason}`);
    } else if (handedOff) fail('unexpected handoff');
    if (e.thread !== undefined) {
      const thread = desk.threads.at(-1);
      if (!thread) fail('no desk thread was opened');
      else {
        const seen = JSON.stringify([thread.opening.header, thread.posts, thread.ended]);
        for (const s of list(e.thread.contains))
          if (!seen.includes(s)) fail(`the desk thread should show "${s}"`);
        for (const s of list(e.thread.notContains))
          if (seen.includes(s)) fail(`the desk thread must not show "${s}"`);
      }
    }
    if (e.survey !== undefined) {
      const lines = await stores.transcripts.list(conversationId);
      const survey = lines.find((l) => l.kind === 'survey');
      if (survey?.data?.score !== e.survey) fail(`survey score ${e.survey} should be recorded`);
    }
    earlier.push(...paragraphs(text, disclosure));
  }
  await handoff.stopWorkers();
  return {
    file: spec.file,
    name: spec.name,
    category: spec.category ?? basename(spec.file).replace(/\.ya?ml$/, ''),
    passed: failures.length === 0,
    failures,
    problems,
    transcript,
  };
}

/** Paragraphs worth comparing for repeats: not the fixed disclosure or label, not short prompts. */
function paragraphs(text: string, fixed: readonly string[]): string[] {
  // Compared in simplified characters, so the disclosure is recognised in traditional replies too.
  let rest = simplifiedScript(text);
  for (const f of fixed) rest = rest.split(simplifiedScript(f)).join('\n');
  return rest
    .split(/\n+/)
    .map((p) => p.trim())
    .filter((p) => p.length >= 16);
}

/** Fields of `expected` the ticket does not have (nested objects compared field by field). */
function mismatches(actual: unknown, expected: Record<string, unknown>, path = ''): string[] {
  const out: string[] = [];
  for (const [key, want] of Object.entries(expected)) {
    const got = (actual as Record<string, unknown> | undefined)?.[key];
    const at = path ? `${path}.${key}` : key;
    if (want !== null && typeof want === 'object' && !Array.isArray(want))
      out.push(...mismatches(got, want as Record<string, unknown>, at));
    else if (JSON.stringify(got) !== JSON.stringify(want))
      out.push(`${at} should be ${JSON.stringify(want)}, was ${JSON.stringify(got)}`);
  }
  return out;
}

export interface EvaluationSummary {
  total: number;
  passed: number;
  rate: number;
  byCategory: Record<string, { total: number; passed: number; rate: number }>;
}

export function summarize(results: readonly CaseResult[]): EvaluationSummary {
  const byCategory: EvaluationSummary['byCategory'] = {};
  for (const r of results) {
    const c = (byCategory[r.category] ??= { total: 0, passed: 0, rate: 0 });
    c.total += 1;
    if (r.passed) c.passed += 1;
  }
  for (const c of Object.values(byCategory)) c.rate = round(c.passed / c.total);
  const passed = results.filter((r) => r.passed).length;
  return {
    total: results.length,
    passed,
    rate: results.length ? round(passed / results.length) : 0,
    byCategory,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
