// GET /console/api/missed?from&to: what the bot missed between two Shanghai days (default the last
// seven), grouped by similarity, with the not-understood share per day. Mounted by the console
// behind its session guard: the caller hands in `authorize`.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { IntentDefinition } from '../content/types.ts';
import { shanghaiDay } from '../core/workdays.ts';
import { createTokenizer, type Tokenizer } from '../nlu/tokenize.ts';
import type { ConsoleAuthorize } from './auth.ts';
import { MAX_TALLY_DAYS, type MissedStore } from './missed-store.ts';
import { missedReport, type MissedReport } from './missed-report.ts';

export interface MissedApiDeps {
  missed: MissedStore;
  /** The console's guard: answers 401 itself when the request has no session. */
  authorize: ConsoleAuthorize;
  /** The current intents (re-read per request: hot reload), for the snippets. */
  intents: () => readonly IntentDefinition[];
  /** jieba with the securities lexicon; one is built on first use when not given. */
  tokenizer?: Tokenizer;
  clock?: () => Date;
  /** How long one report is reused for the same span (ms). Default 30,000. */
  cacheMs?: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_DAYS = 7;
const DAY_MS = 86_400_000;

function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

export function missedApi(deps: MissedApiDeps): FastifyPluginAsync {
  return async (server) => registerMissedRoutes(server, deps);
}

function registerMissedRoutes(server: FastifyInstance, deps: MissedApiDeps): void {
  const clock = deps.clock ?? (() => new Date());
  let tokenizer = deps.tokenizer ?? null;
  let cached: { key: string; at: number; intents: unknown; report: MissedReport } | null = null;

  server.get('/console/api/missed', { preHandler: deps.authorize }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const now = clock();
    const to = query.to ?? shanghaiDay(now);
    const from = query.from ?? shanghaiDay(new Date(now.getTime() - (DEFAULT_DAYS - 1) * DAY_MS));
    for (const [name, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (typeof value !== 'string' || !DAY.test(value) || Number.isNaN(Date.parse(value)))
        return fail(reply, 400, 'bad_period', `${name} must be a date YYYY-MM-DD`);
    }
    const span = { from: from as string, to: to as string };
    if (span.from > span.to) return fail(reply, 400, 'bad_period', 'from must not be after to');
    if ((Date.parse(span.to) - Date.parse(span.from)) / DAY_MS >= MAX_TALLY_DAYS)
      return fail(reply, 400, 'bad_period', `at most ${MAX_TALLY_DAYS} days at once`);
    const intents = deps.intents();
    const key = `${span.from}|${span.to}`;
    const fresh = cached && cached.key === key && cached.intents === intents;
    if (fresh && now.getTime() - cached!.at < (deps.cacheMs ?? 30_000)) return cached!.report;
    tokenizer ??= createTokenizer();
    const report = await missedReport(deps.missed, span, { tokenizer, content: { intents } });
    cached = { key, at: now.getTime(), intents, report };
    return report;
  });
}
