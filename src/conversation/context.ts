// What the bot remembers of the conversation's subject between turns, as a good agent does: the
// topic and standard question last answered, the board or product in play, what it already said,
// how the customer writes and how they feel. Plain JSON in ConversationState.memory.context.
import type { Json } from '../store/types.ts';
import type { Script } from './script.ts';

export interface AnsweredQuestion {
  id: string;
  /** Context turn it was answered on. */
  turn: number;
}

export interface ConversationContext {
  v: 1;
  /** Customer turns seen (counts every message, so "recent" can be judged). */
  turn: number;
  /** ISO time of the last customer message. */
  at: string | null;
  /** Topic (intent id) of the last subject. */
  topic: string | null;
  /** Standard question last answered, and the turn it was answered on. */
  questionId: string | null;
  subjectTurn: number;
  /** Facet values in play (board: star, product: etf...). */
  facets: Record<string, string>;
  /** Questions answered, newest last (bounded). */
  answered: AnsweredQuestion[];
  /** Times in a row the customer said the answer did not help. */
  notHelped: number;
  /** How the customer writes: replies follow it. */
  script: Script;
  /** The script the previous message showed (null: none), to see two traditional in a row. */
  lastScriptSeen: Script | null;
  /** Cues seen: an elderly or struggling customer stays so for the conversation. */
  elderly: boolean;
  /** Turn of the last frustration cue (repeats, 怎么还, 人呢, !!!), or -1. */
  frustratedTurn: number;
  /** Normalised text of the previous customer message (a verbatim repeat is a frustration cue). */
  lastText: string;
  /** The bot greeted the customer already (no second 您好 as an opener). */
  greeted: boolean;
  /** Turn the hotline / human was last offered as a courtesy, or -1. */
  offeredHelpTurn: number;
  /** What the bot said in its last turns (gists): a courtesy line is not said again a moment later. */
  saidBefore: string[];
}

const KEY = 'context';
const MAX_ANSWERED = 12;
/** A subject older than this is not what an elliptical follow-up refers to. */
export const SUBJECT_TTL_TURNS = 6;
export const SUBJECT_TTL_MS = 30 * 60_000;

export function emptyContext(): ConversationContext {
  return {
    v: 1,
    turn: 0,
    at: null,
    topic: null,
    questionId: null,
    subjectTurn: -1,
    facets: {},
    answered: [],
    notHelped: 0,
    script: 'simplified',
    lastScriptSeen: null,
    elderly: false,
    frustratedTurn: -1,
    lastText: '',
    greeted: false,
    // Long ago: the first frustrated or struggling turn is offered a person at once.
    offeredHelpTurn: -100,
    saidBefore: [],
  };
}

/** The saved context of a conversation; anything unreadable starts afresh rather than failing. */
export function readContext(memory: { [key: string]: Json }): ConversationContext {
  const saved = memory[KEY];
  if (!saved || typeof saved !== 'object' || Array.isArray(saved) || saved.v !== 1)
    return emptyContext();
  return { ...emptyContext(), ...(structuredClone(saved) as unknown as ConversationContext) };
}

export function writeContext(memory: { [key: string]: Json }, context: ConversationContext): void {
  context.answered = context.answered.slice(-MAX_ANSWERED);
  memory[KEY] = JSON.parse(JSON.stringify(context)) as Json;
}

/** The subject a follow-up may refer to, when it is recent enough. */
export function currentSubject(
  context: ConversationContext,
  now: Date,
): { topic: string; questionId: string | null; facets: Record<string, string> } | null {
  if (!context.topic) return null;
  if (context.turn - context.subjectTurn > SUBJECT_TTL_TURNS) return null;
  if (context.at && now.getTime() - Date.parse(context.at) > SUBJECT_TTL_MS) return null;
  return { topic: context.topic, questionId: context.questionId, facets: context.facets };
}

/** The turn a question was last answered on, if it was. */
export function answeredOn(context: ConversationContext, questionId: string): number | null {
  for (let i = context.answered.length - 1; i >= 0; i--) {
    const a = context.answered[i];
    if (a && a.id === questionId) return a.turn;
  }
  return null;
}

/** Remembers what a reply answered: the subject a follow-up refers to next. */
export function noteReply(
  context: ConversationContext,
  reply: { intent: string | null; question?: string },
  known: {
    questions: ReadonlyMap<string, { topic: string; facets: Readonly<Record<string, string>> }>;
    policy: { smallTalkIntents: readonly string[] };
  },
): void {
  const question = reply.question ? known.questions.get(reply.question) : undefined;
  if (question && reply.question) {
    if (context.questionId !== reply.question) context.notHelped = 0;
    context.topic = question.topic;
    context.questionId = reply.question;
    context.facets = { ...question.facets };
    context.subjectTurn = context.turn;
    remember(context, reply.question);
    return;
  }
  const intent = reply.intent;
  if (!intent || intent === 'out_of_scope' || known.policy.smallTalkIntents.includes(intent))
    return;
  if (context.topic !== intent) {
    context.facets = {};
    context.questionId = null;
  }
  context.topic = intent;
  context.subjectTurn = context.turn;
  remember(context, overviewId(intent));
}

/** Notes an answer given now; only its latest time counts. */
function remember(context: ConversationContext, id: string): void {
  context.answered = context.answered.filter((a) => a.id !== id);
  context.answered.push({ id, turn: context.turn });
}

/** The id a topic's overview answer is remembered by (never a standard question id). */
export function overviewId(intent: string): string {
  return `@${intent}`;
}
