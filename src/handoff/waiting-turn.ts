// A customer message while a human handoff is open. What the bot does with it depends on who is
// in charge of the conversation at that moment:
//
// - An agent has joined (claimed): the agent is in charge. The bot stays quiet and only relays,
//   because two voices answering the same customer contradict each other, and the agent may be
//   about to answer differently for this customer's account.
// - Nobody will come (the desk closed while the customer waited): the message starts the
//   leave-a-message form, as the desk decided; the form owns the reply.
// - Still queued, nobody talking to the customer yet: a customer left alone with "请稍候" while
//   they ask 你们热线电话多少 is badly served. The bot answers what it surely knows (a standard
//   question read surely; nothing it would have to guess at, nothing about the wait itself, which
//   the queue line answers), still forwards every word to the agent's thread with a note of what
//   it answered, and tells the customer they keep their place. Anything less sure is only relayed:
//   the agent will see it.
// - 取消 / 不等了, alone or before or after a question (那取消吧不等了 app上到底在哪重置): the wait
//   ends, the words still reach the thread, and the rest of the message is read as a new question.
import type { Ask } from '../conversation/understand.ts';
import { renderTemplate } from '../content/render.ts';
import type { FirmSettings, StandardQuestion } from '../content/types.ts';
import type { BotOutput } from '../dialog/types.ts';
import { DEFAULT_ANSWERS } from '../dialog/answers.ts';
import { isAccountLookup, isFiller } from '../dialog/form.ts';
import { isCancelRequest } from '../dialog/interpreter.ts';
import { OUT_OF_SCOPE, type NluResult } from '../nlu/types.ts';
import type { Json } from '../store/types.ts';
import { parseHandoffRecord } from './handoff-service.ts';
import { asksToLeaveMessage } from './leave-message.ts';
import { serviceQuestionOf } from './service-requests.ts';

export type WaitingTurn =
  /** With an agent, or a message about to be left: the desk and the form answer, the bot does not. */
  | { kind: 'relay' }
  /** The customer stops waiting; `rest` is what else the message asks, read as a new message. */
  | { kind: 'cancel'; rest: string | null }
  /** In the queue with nobody talking to them yet. */
  | { kind: 'queued' };

/** What the customer's message means for the handoff in `handoff` (ConversationState.handoff). */
export function readWaitingTurn(handoff: Json, text: string): WaitingTurn {
  const record = parseHandoffRecord(handoff);
  // An agent is in charge: even 取消 is said to the agent, who closes the conversation.
  if (!record || record.status === 'claimed') return { kind: 'relay' };
  const cancelled = cancelOf(text);
  if (cancelled) return cancelled;
  if (record.status === 'awaiting_message') return { kind: 'relay' };
  // Offered to leave a message after a long wait, and taking the offer: the desk starts the form.
  if (record.offer === 'timeout' && asksToLeaveMessage(text)) return { kind: 'relay' };
  return { kind: 'queued' };
}

// A cancel that asks how to cancel something (委托怎么取消) is a question, not giving up the wait.
const ASKS_HOW = /怎么|怎样|如何|哪|几|多少|什么|能不能|可不可以|是不是|[吗?？]/u;
const PIECES = /[，,。.!！？?；;\s]+/u;

// 好吧，取消吧: the 好吧 asks nothing.
const ACKNOWLEDGEMENT = /^(?:好吧|好的|好|行吧|行|那好吧|那|唉|哎|哦|嗯|ok)[啊呀吧]?$/iu;
// 我不等了 / 不排了 / 不要人工了: giving up the wait in the customer's words.
const STOP_WAITING =
  /^(?:那|好吧|行吧|算了)?(?:我)?(?:就|还是)?(?:不等了|不排了|不排队了|不用等了|别等了|等不了了|不要人工了|不转人工了|不用转了|不找人工了)(?:吧|啊|呀)?$/u;

function givesUpWaiting(piece: string): boolean {
  return (isCancelRequest(piece) || STOP_WAITING.test(piece)) && !ASKS_HOW.test(piece);
}

/** 取消 / 不等了 alone, or leading or closing a question of its own. */
function cancelOf(text: string): Extract<WaitingTurn, { kind: 'cancel' }> | null {
  const pieces = text
    .trim()
    .split(PIECES)
    .filter((p) => p.length > 0);
  if (pieces.length === 1)
    return givesUpWaiting(pieces[0] as string) ? { kind: 'cancel', rest: null } : null;
  let first = 0;
  while (first < pieces.length && givesUpWaiting(pieces[first] as string)) first += 1;
  let last = pieces.length;
  if (first === 0) while (last > 0 && givesUpWaiting(pieces[last - 1] as string)) last -= 1;
  if (first === 0 && last === pieces.length) return null;
  const rest = pieces.slice(first, last).filter((p) => !ACKNOWLEDGEMENT.test(p));
  return { kind: 'cancel', rest: rest.length > 0 ? rest.join('，') : null };
}

export interface WaitingAnswerPolicy {
  confidentAt: number;
  humanIntent: string;
  complaintIntent: string;
  smallTalkIntents: readonly string[];
  /** The service-hours question: while queued, the queue line (place and wait) answers it. */
  agentHoursQuestion: string;
  /** The hotline (能不能直接打电话给你们). */
  hotlineQuestion: string;
}

/** About the wait itself (前面还有几个人 / 还要排多久 / 怎么还没人接): the queue line answers it. */
const WAIT_TALK =
  /排队|排到|排在|排多久|要排|轮到|前面(?:还)?有?几|几个人|等(?:了|太久|好久|半天|不及|不了|多久|到)|还要等|(?:多久|几分钟)(?:能|才|有人|接)|还要多久|人呢|没人|有人吗|接通|接入|接单/u;

/** Some piece of the clause is not about the wait (没人？那你们热线电话多少 asks the hotline). */
function asksBeyondTheWait(clause: string): boolean {
  return clause
    .split(PIECES)
    .some((p) => p.length > 0 && !WAIT_TALK.test(p) && !isFiller(p, DEFAULT_ANSWERS.filler ?? []));
}

/** How surely a standard question must be read to be answered while an agent is awaited. */
export const SURE_WHILE_WAITING = 0.8;

/**
 * The standard questions the bot answers while the customer waits for an agent: read surely, of
 * a topic it answers itself (not a request for a person or a complaint, not small talk), at most
 * once each. 人呢 / 怎么还没人 read as some question by a thin margin are not among them.
 */
export function questionsToAnswerWhileQueued(
  asks: readonly Ask[],
  questions: ReadonlyMap<string, StandardQuestion>,
  policy: WaitingAnswerPolicy,
): StandardQuestion[] {
  const found: StandardQuestion[] = [];
  for (const ask of asks) {
    // Read on its own words, not completed from the subject in play: 人呢 after the hotline's
    // answer is the wait talking, whatever question of that topic it could be made into.
    if (ask.kind !== 'message' || ask.via === 'anchor') continue;
    // 帮我查下余额 asks the agent to look into the account, which the bot cannot.
    if (!asksBeyondTheWait(ask.text) || isAccountLookup(ask.text)) continue;
    // 人工几点下班 / 周末有人吗 while queued: the place and the wait answer it, and the hours
    // answer's 「转人工」 would mislead a customer already waiting.
    const about = serviceQuestionOf(ask.text);
    if (about === 'hours' || about === 'days_off') continue;
    const question =
      sureReading(ask.nlu, questions, policy) ??
      (about === 'hotline' ? questions.get(policy.hotlineQuestion) : undefined);
    if (question && !found.some((q) => q.id === question.id)) found.push(question);
  }
  return found;
}

/** The standard question a reading finds surely, of a topic the bot answers itself. */
function sureReading(
  nlu: NluResult,
  questions: ReadonlyMap<string, StandardQuestion>,
  policy: WaitingAnswerPolicy,
): StandardQuestion | undefined {
  if (nlu.intent === OUT_OF_SCOPE || nlu.confidence < policy.confidentAt) return undefined;
  if (
    nlu.intent === policy.humanIntent ||
    nlu.intent === policy.complaintIntent ||
    policy.smallTalkIntents.includes(nlu.intent)
  )
    return undefined;
  const question = nlu.question ? questions.get(nlu.question.id) : undefined;
  if (!question || (nlu.question?.confidence ?? 0) < SURE_WHILE_WAITING) return undefined;
  if (question.topic !== nlu.intent || question.id === policy.agentHoursQuestion) return undefined;
  return question;
}

/** A standard question's answer as the bot gives it anywhere (with its risk disclosure, if any). */
export function answerWhileQueued(question: StandardQuestion, firm: FirmSettings): BotOutput {
  return {
    message: { type: 'text', text: renderTemplate(question.answers[0] ?? question.question, firm) },
    node: null,
    intent: question.topic,
    question: question.id,
    riskDisclosure: question.riskDisclosure,
  };
}
