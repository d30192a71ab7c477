// The console's JSON API (docs/console.md, "API"): the overview from the running statistics, the
// conversation search from the index, and one conversation's masked transcript. The caller (the
// console's session guard) supplies `authorize`; the plugin only reads.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { maskPersonalData } from '../compliance/mask.ts';
import { shanghaiDay, startOfShanghaiDay } from '../core/workdays.ts';
import type { Tokenizer } from '../nlu/tokenize.ts';
import type { Json, TranscriptEntry, TranscriptStore } from '../store/types.ts';
import { addDays, computeOverview } from './stats/overview.ts';
import { searchWords } from './stats/recorder.ts';
import type { ConsoleStores, ConversationSummary } from './stats/types.ts';

export interface ConsoleApiDeps {
  stores: Pick<ConsoleStores, 'statistics' | 'conversations'>;
  transcripts: TranscriptStore;
  /** Segments search words exactly as the index segmented the customers' words. */
  tokenizer: Tokenizer;
  /** Runs before every route; answers 401 itself when the request may not see the console. */
  authorize: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  clock?: () => Date;
}

export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;
const DEFAULT_PAGE = 20;
const MAX_TRANSCRIPT_LINES = 20_000;
const MAX_PAGE = 100;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** What a web chat's bearer id looks like (src/channels/web): never taken as a reference. */
const WEB_PUBLIC_ID = /^[A-Za-z0-9_-]{24}$/;

type Query = Record<string, unknown>;
type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

function isDay(value: string): boolean {
  if (!DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** `from`/`to` as inclusive days; the last 30 days (today included) by default. */
export function parseRange(query: Query, now: Date): Checked<{ from: string; to: string }> {
  const text = (key: 'from' | 'to'): Checked<string | undefined> => {
    const value = query[key];
    if (value === undefined || value === '') return { ok: true, value: undefined };
    if (typeof value !== 'string' || !isDay(value))
      return { ok: false, message: `${key} must be a date YYYY-MM-DD` };
    return { ok: true, value };
  };
  const from = text('from');
  if (!from.ok) return from;
  const to = text('to');
  if (!to.ok) return to;
  const end =
    to.value ?? (from.value ? addDays(from.value, DEFAULT_RANGE_DAYS - 1) : shanghaiDay(now));
  const start = from.value ?? addDays(end, -(DEFAULT_RANGE_DAYS - 1));
  if (start > end) return { ok: false, message: 'from must not be after to' };
  if (addDays(start, MAX_RANGE_DAYS) <= end)
    return { ok: false, message: `a range spans at most ${MAX_RANGE_DAYS} days` };
  return { ok: true, value: { from: start, to: end } };
}

function optionalText(
  query: Query,
  key: string,
  max: number,
  shape?: RegExp,
): Checked<string | undefined> {
  const value = query[key];
  if (value === undefined || value === '') return { ok: true, value: undefined };
  if (typeof value !== 'string' || value.length > max || (shape && !shape.test(value)))
    return { ok: false, message: `${key} is not valid` };
  return { ok: true, value };
}

function boundedInt(
  query: Query,
  key: string,
  fallback: number,
  min: number,
  max: number,
): Checked<number> {
  const value = query[key];
  if (value === undefined || value === '') return { ok: true, value: fallback };
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    return { ok: false, message: `${key} must be a whole number from ${min} to ${max}` };
  return { ok: true, value: n };
}

/** The opaque page cursor: the offset of the next page. */
export const encodeCursor = (offset: number): string =>
  Buffer.from(`o${offset}`, 'utf8').toString('base64url');

function decodeCursor(value: unknown): Checked<number> {
  if (value === undefined || value === '') return { ok: true, value: 0 };
  const text = typeof value === 'string' ? Buffer.from(value, 'base64url').toString('utf8') : '';
  const m = /^o(\d{1,9})$/.exec(text);
  return m ? { ok: true, value: Number(m[1]) } : { ok: false, message: 'cursor is not valid' };
}

const badRequest = (reply: FastifyReply, message: string) =>
  reply.code(400).send({ error: 'bad_request', message });

function listItem(s: ConversationSummary) {
  return {
    ref: s.ref,
    channel: s.channel,
    startedAt: s.startedAt,
    lastAt: s.lastAt,
    topics: s.topics,
    turns: s.turns,
    ticketIds: s.ticketIds,
  };
}

interface TranscriptLine {
  at: string;
  from: TranscriptEntry['direction'];
  text: string;
  nlu?: {
    topic: string;
    confidence: number;
    question?: string;
    entities: { type: string; value: string }[];
  };
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One transcript line for supervisors: every text and entity value masked. */
export function transcriptLine(entry: TranscriptEntry): TranscriptLine {
  const line: TranscriptLine = {
    at: entry.at,
    from: entry.direction,
    text: maskPersonalData(entry.text, new Date(entry.at)),
  };
  if (entry.direction === 'customer' && entry.intent !== undefined) {
    const note = isObject(entry.data?.nlu) ? entry.data.nlu : {};
    const entities = Array.isArray(note.entities) ? note.entities : [];
    line.nlu = {
      topic: entry.intent,
      confidence: entry.confidence ?? 0,
      ...(typeof note.question === 'string' ? { question: note.question } : {}),
      entities: entities.flatMap((e) =>
        isObject(e) && typeof e.type === 'string' && typeof e.value === 'string'
          ? [{ type: e.type, value: maskPersonalData(e.value) }]
          : [],
      ),
    };
  }
  return line;
}

export function consoleApi(deps: ConsoleApiDeps): FastifyPluginAsync {
  const clock = deps.clock ?? (() => new Date());
  const { statistics, conversations } = deps.stores;

  return async (server: FastifyInstance) => {
    const guarded = { preHandler: deps.authorize };

    server.get('/console/api/overview', guarded, async (request: FastifyRequest, reply) => {
      const now = clock();
      const range = parseRange(request.query as Query, now);
      if (!range.ok) return badRequest(reply, range.message);
      return computeOverview(statistics, range.value, shanghaiDay(now));
    });

    server.get('/console/api/conversations', guarded, async (request, reply) => {
      const query = request.query as Query;
      const hasRange = ['from', 'to'].some((k) => query[k] !== undefined && query[k] !== '');
      const range = hasRange ? parseRange(query, clock()) : null;
      if (range && !range.ok) return badRequest(reply, range.message);
      const channel = optionalText(query, 'channel', 32, /^[a-z][a-z-]*$/);
      const topic = optionalText(query, 'topic', 100);
      const ticket = optionalText(query, 'ticket', 40);
      const q = optionalText(query, 'q', 100);
      const limit = boundedInt(query, 'limit', DEFAULT_PAGE, 1, MAX_PAGE);
      const cursor = decodeCursor(query.cursor);
      for (const checked of [channel, topic, ticket, q, limit, cursor])
        if (!checked.ok) return badRequest(reply, checked.message);
      if (!channel.ok || !topic.ok || !ticket.ok || !q.ok || !limit.ok || !cursor.ok) return reply;
      let words: string[] | undefined;
      if (q.value !== undefined && q.value.trim() !== '') {
        const cut = searchWords(deps.tokenizer, q.value);
        // A word the index would not keep (one character) is looked for as written.
        words = cut.length > 0 ? cut : [q.value.trim()];
      }
      const page = await conversations.search({
        ...(range?.ok
          ? {
              fromMs: startOfShanghaiDay(range.value.from).getTime(),
              toMs: startOfShanghaiDay(addDays(range.value.to, 1)).getTime() - 1,
            }
          : {}),
        ...(channel.value !== undefined ? { channel: channel.value } : {}),
        ...(topic.value !== undefined ? { topic: topic.value } : {}),
        ...(ticket.value !== undefined ? { ticket: ticket.value } : {}),
        ...(words ? { words } : {}),
        offset: cursor.value,
        limit: limit.value,
      });
      return {
        items: page.items.map(listItem),
        next: page.next === null ? null : encodeCursor(page.next),
      };
    });

    server.get('/console/api/conversations/:ref', guarded, async (request, reply) => {
      const { ref } = request.params as { ref: string };
      if (ref.length === 0 || ref.length > 256 || [...ref].some((c) => c.charCodeAt(0) < 0x20))
        return badRequest(reply, 'ref is not valid');
      // A web chat's own id is a bearer secret: the console takes only the stores' reference.
      if (WEB_PUBLIC_ID.test(ref))
        return badRequest(reply, 'use the conversation reference, not a customer-held id');
      // Page through the whole transcript (the store caps one read at 5000 lines).
      const entries: TranscriptEntry[] = [];
      for (;;) {
        const batch = await deps.transcripts.list(ref, { afterSeq: entries.at(-1)?.seq ?? 0 });
        entries.push(...batch);
        if (batch.length < 5000 || entries.length >= MAX_TRANSCRIPT_LINES) break;
      }
      if (entries.length === 0) return reply.code(404).send({ error: 'not_found' });
      return {
        ref,
        channel: entries[0]?.channel,
        lines: entries.map(transcriptLine),
      };
    });
  };
}
