// The long tail before the fallback ladder: an in-domain question no standard question answers
// confidently may get an answer the model wrote from knowledge/. The core does not trust the model:
// the answer reaches the customer only when the compliance layer passes it (no advice or promise,
// every figure found in the cited passages), labelled as AI-generated, naming its documents, with
// the risk disclosure where products come up. Anything else falls back to the ladder.
import {
  checkGrounded,
  checkOutboundCompliance,
  mentionsInvestmentProduct,
  withAiLabel,
  type ComplianceCheck,
} from '../compliance/index.ts';
import type { FirmSettings } from '../content/types.ts';
import { isCancelRequest, isHumanRequest } from '../dialog/interpreter.ts';
import type { BotOutput, ConversationPolicy, DialogState } from '../dialog/types.ts';
import { OUT_OF_SCOPE, type NluResult } from '../nlu/types.ts';
import type { LlmTurnContext, LongTailAnswer, LongTailAnswerer } from './llm-ports.ts';

/** Recorded as the intent of a knowledge answer in the transcript. */
export const KNOWLEDGE_ANSWER_INTENT = 'knowledge.answer';
/** Used when config/firm.yaml has no aiLabel: an LLM answer is never sent unlabelled. */
export const DEFAULT_AI_LABEL = '本回答由AI生成';
// Long enough for a real answer, short enough for one WeChat message.
const MAX_ANSWER_CHARS = 400;

export interface LongTailCandidate {
  dialog: DialogState;
  text: string;
  choice: string | null;
  nlu: NluResult;
  knownIntents: ReadonlyMap<string, unknown>;
  policy: ConversationPolicy;
}

/**
 * Where no standard question answers an in-domain message: the bot is idle (no question
 * pending), no standard question was read, the message is not clearly out of scope nor a
 * confident request of a topic without questions (thanks, a complaint, a human), and the customer
 * neither picked an offered option, cancelled nor asked for a human.
 */
/** Up to this many characters, a message that only names a topic asks for its overview. */
const GENERAL_REQUEST_CHARS = 8;

export function isLongTailCandidate(c: LongTailCandidate): boolean {
  if (c.dialog.frame !== null || c.choice !== null) return false;
  if (c.nlu.question) return false;
  const confident = c.nlu.confidence >= c.policy.confidentAt;
  // Out of scope surely (天气, 订机票) is said so; a message nothing matched, where the ladder
  // would start, is worth a look in the firm's documents first.
  if (c.nlu.intent === OUT_OF_SCOPE && (confident || c.nlu.question)) return false;
  // A confident topic is answered by its overview, unless the knowledge base hesitated between
  // two of its questions (then the documents may hold the precise answer).
  // A short message naming a topic (开户, 科创板权限) wants the overview; a longer question that
  // no standard question answers (刚上市的股票盘中涨到60%会怎样) is the long tail.
  if (
    confident &&
    c.knownIntents.has(c.nlu.intent) &&
    !c.nlu.candidates?.length &&
    [...c.text.trim()].length <= GENERAL_REQUEST_CHARS
  )
    return false;
  const typed = c.text.trim();
  if (/^\d{1,2}$/.test(typed)) return false;
  if (c.dialog.offered.some((q) => q.label === typed || q.value === typed)) return false;
  return !isCancelRequest(typed) && !isHumanRequest(typed);
}

/** The compliance layer's verdict on a model answer, before anything is added to it. */
export function checkLongTailAnswer(answer: LongTailAnswer): ComplianceCheck {
  const reasons: string[] = [];
  const text = answer.text.trim();
  if (text.length === 0) reasons.push('空回答');
  if ([...text].length > MAX_ANSWER_CHARS) reasons.push(`回答超过${MAX_ANSWER_CHARS}字`);
  if (answer.sources.length === 0 || answer.evidence.length === 0) reasons.push('未注明依据');
  const advice = checkOutboundCompliance(text);
  if (!advice.ok) reasons.push(...advice.reasons);
  const grounded = checkGrounded(text, answer.evidence);
  if (!grounded.ok) reasons.push(...grounded.reasons);
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

/** The customer-facing message: label first, the answer, then the documents it came from. */
export function renderLongTailAnswer(answer: LongTailAnswer, firm: FirmSettings): BotOutput {
  const titles = [...new Set(answer.sources.map((s) => s.title))].map((t) => `《${t}》`);
  const body = `${answer.text.trim()}\n（依据：${titles.join('、')}）`;
  const label = firm.aiLabel?.trim() || DEFAULT_AI_LABEL;
  return {
    message: { type: 'text', text: withAiLabel(body, label, { position: 'start' }) },
    node: null,
    intent: KNOWLEDGE_ANSWER_INTENT,
    // The pipeline appends the firm's disclosure when products come up in the answer.
    riskDisclosure: mentionsInvestmentProduct(answer.text),
  };
}

export interface LongTailLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Asks the answerer and returns what to send, or null for the ladder (no answer, refused by
 * compliance, or the layer failed: a broken model never breaks a turn).
 */
export async function answerFromKnowledge(
  answerer: LongTailAnswerer,
  question: string,
  context: LlmTurnContext,
  firm: FirmSettings,
  log: LongTailLog,
): Promise<BotOutput[] | null> {
  let answer: LongTailAnswer | null;
  try {
    answer = await answerer.answer(question, context);
  } catch (error) {
    log.warn('knowledge answer failed', {
      conversationId: context.conversationId,
      error: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
  if (!answer) return null;
  const check = checkLongTailAnswer(answer);
  if (!check.ok) {
    log.warn('knowledge answer refused by compliance', {
      conversationId: context.conversationId,
      model: answer.model,
      sources: answer.sources.map((s) => s.file),
      reasons: check.reasons,
    });
    return null;
  }
  log.info('knowledge answer sent', {
    conversationId: context.conversationId,
    model: answer.model,
    sources: answer.sources.map((s) => `${s.file}#${s.section}`),
  });
  return [renderLongTailAnswer(answer, firm)];
}

/** After a knowledge answer the ladder starts over, as after any understood question. */
export function afterKnowledgeAnswer(dialog: DialogState): DialogState {
  return { ...dialog, fallbackLevel: 0, offered: [], engaged: true, turn: dialog.turn + 1 };
}
