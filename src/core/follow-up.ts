// Follow-up rewriting before classification: a short elliptical message ("那创业板呢？") that the
// classifier could not place is rewritten by the model, from the last few lines of the
// conversation, into a question that stands on its own, and classified again. The customer's own
// words stay in the transcript; the rewrite is recorded beside them.
import { isCancelRequest, isHumanRequest } from '../dialog/interpreter.ts';
import type { ConversationPolicy, DialogState } from '../dialog/types.ts';
import { OUT_OF_SCOPE, type NluResult } from '../nlu/types.ts';
import type { TranscriptStore } from '../store/types.ts';
import type { ConversationLine, FollowUpRewriter, LlmTurnContext } from './llm-ports.ts';

// Longer messages carry their own subject; rewriting them only adds risk.
const MAX_FOLLOW_UP_CHARS = 30;
// Only a recent exchange gives an ellipsis its meaning.
const HISTORY_WINDOW_MS = 30 * 60_000;
const HISTORY_LINES = 6;

export interface FollowUpCandidate {
  dialog: DialogState;
  text: string;
  choice: string | null;
  nlu: NluResult;
  knownIntents: ReadonlyMap<string, unknown>;
  policy: ConversationPolicy;
}

/** Idle bot, an unsure classifier, a short typed message that is not a menu pick or command. */
export function isFollowUpCandidate(c: FollowUpCandidate): boolean {
  if (c.dialog.frame !== null || c.choice !== null) return false;
  if (c.nlu.intent !== OUT_OF_SCOPE && c.nlu.confidence >= c.policy.confidentAt) {
    if (c.knownIntents.has(c.nlu.intent)) return false;
  }
  const typed = c.text.trim();
  if (typed.length === 0 || [...typed].length > MAX_FOLLOW_UP_CHARS) return false;
  if (/^\d{1,2}$/.test(typed)) return false;
  if (c.dialog.offered.some((q) => q.label === typed || q.value === typed)) return false;
  return !isCancelRequest(typed) && !isHumanRequest(typed);
}

/** The last lines of the conversation that give the follow-up its meaning (oldest first). */
export async function recentLines(
  transcripts: TranscriptStore,
  conversationId: string,
  now: Date,
): Promise<ConversationLine[]> {
  const since = now.getTime() - HISTORY_WINDOW_MS;
  const entries = await transcripts.list(conversationId);
  const lines: ConversationLine[] = [];
  for (const e of entries) {
    if (e.kind !== 'message' || Date.parse(e.at) < since) continue;
    if (e.direction === 'customer') lines.push({ speaker: 'customer', text: e.text });
    else if (e.direction === 'bot') lines.push({ speaker: 'bot', text: e.text });
  }
  return lines.slice(-HISTORY_LINES);
}

export interface ResolvedFollowUp {
  /** The standalone question the turn continues with. */
  text: string;
  nlu: NluResult;
}

/**
 * The rewritten question and its classification, or null to go on with the message as it is
 * (no earlier question, the model could not tell, or the rewrite reads as off-topic).
 */
export async function resolveFollowUp(
  rewriter: FollowUpRewriter,
  args: {
    text: string;
    transcripts: TranscriptStore;
    context: LlmTurnContext;
    now: Date;
    analyze: (text: string) => NluResult;
    log: { warn(message: string, fields?: Record<string, unknown>): void };
  },
): Promise<ResolvedFollowUp | null> {
  try {
    const history = await recentLines(args.transcripts, args.context.conversationId, args.now);
    if (!history.some((l) => l.speaker === 'customer')) return null;
    const rewritten = (await rewriter.rewrite(args.text, history, args.context))?.trim();
    if (!rewritten || rewritten === args.text.trim()) return null;
    const nlu = args.analyze(rewritten);
    return nlu.intent === OUT_OF_SCOPE ? null : { text: rewritten, nlu };
  } catch (error) {
    args.log.warn('follow-up rewriting failed', {
      conversationId: args.context.conversationId,
      error: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
}
