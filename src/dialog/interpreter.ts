// The pure dialog interpreter: step(env, state, input) -> { state, outputs, effects }.
// No I/O, no clock, no randomness: the pipeline executes effects and feeds their results back
// as `effect_result` inputs, so a whole conversation can be replayed from its inputs.
import type { QuickReply } from '../core/message.ts';
import type { Json } from '../store/types.ts';
import type { NluResult } from '../nlu/types.ts';
import { OUT_OF_SCOPE } from '../nlu/types.ts';
import { boardOf } from '../nlu/entities/stock.ts';
import { namedSecurities } from '../nlu/rule-intent.ts';
import { normalizeText } from '../nlu/normalize.ts';
import { renderTemplate } from '../content/render.ts';
import type { IntentDefinition, StandardQuestion } from '../content/types.ts';
import { isSkip, matchOption, SKIP_VALUE, validateSlot } from './slots.ts';
import { isAdviceRequest } from '../compliance/index.ts';
import { DEFAULT_ANSWERS, saysOnly, simplifiedScript } from './answers.ts';
import { asksWhenAgentsAvailable } from './agent-hours.ts';
import { givesUp, givesUpAmongOther } from './giving-up.ts';
import { answersBeside, goesOnWithStory, storyInstead, storySlotOf } from './more-answers.ts';
import { reaskText, notUnderstood } from './reask.ts';
import {
  asksForCallback,
  onlyAsksForCallback,
  serviceQuestionOf,
} from '../handoff/service-requests.ts';
import { serviceQuestionReading } from './service-question.ts';
import {
  declines,
  isAccountLookup,
  isBareCommand,
  isClearRequest,
  isFillerAt,
  isOnlyNumber,
  missingFields,
  tellsGrievance,
  prefillFromOpening,
} from './form.ts';
import {
  alreadyUnderway,
  answerToCancelQuestion,
  CARRIED_FROM,
  carriedAnswers,
  collectedFor,
  declined,
  digress,
  leaveMessageSlots,
  requestCancel,
  tookStory,
  type FormTurn,
} from './form-turn.ts';
import { renderDialogText } from './template.ts';
import {
  DIALOG_STATE_VERSION,
  type BotOutput,
  type Condition,
  type ConversationPolicy,
  type DialogDefinition,
  type DialogEffect,
  type DialogEnvironment,
  type DialogFrame,
  type DialogInput,
  type DialogNode,
  type DialogState,
  type StepResult,
  type WaitingNode,
} from './types.ts';

/** Quick-reply values starting with this ask the intent after it, from any point. */
export const INTENT_CHOICE_PREFIX = 'intent:';
/** Quick-reply values starting with this ask the standard question after it (您是想问 / 猜你想问). */
export const QUESTION_CHOICE_PREFIX = 'question:';
/** A leading candidate this likely is worth offering even where the topic has a dialog. */
const CLEAR_CANDIDATE = 0.3;
/** A standard question of a topic with its own dialog is answered directly from this certainty. */
const SURE_QUESTION_OVER_DIALOG = 0.6;
/** At most this many standard questions are offered after an answer or as choices. */
const MAX_OFFERED_QUESTIONS = 3;
const MAX_NODES_PER_STEP = 100;

export const DEFAULT_POLICY: ConversationPolicy = {
  confidentAt: 0.5,
  interruptAt: 0.6,
  fallbackDialog: 'fallback',
  humanDialog: 'human_handoff',
  surveyDialog: 'satisfaction_survey',
  surveyAfterIntents: ['chitchat.thanks', 'chitchat.goodbye'],
  smallTalkIntents: ['chitchat.greeting', 'chitchat.thanks', 'chitchat.goodbye'],
  popularIntents: [
    'faq.account_open',
    'faq.trading_hours',
    'faq.bank_transfer',
    'faq.password_reset',
  ],
  humanIntent: 'service.human',
  complaintIntent: 'service.complaint',
  unresolvedDialog: 'unresolved',
  leaveMessageDialog: 'leave_message',
  agentHoursQuestion: 'contact.service_hours',
  hotlineQuestion: 'contact.hotline',
};

export { DISCARD_FORM, KEEP_FORM } from './form-turn.ts';

/** Slot of the human dialog: `yes` when the customer asked for a call-back rather than a chat. */
export const CALLBACK_SLOT = 'callback';

// Short messages that leave a form: 取消 / 算了 / 不投诉了, and coming back another time (那我周一再
// 找你们吧 / 好吧，那我下周一再来问). Longer texts are answers, not commands.
const CANCEL_LEAD = '^(?:好吧|好的|行吧|那|唉|哦)?[，,\\s]*';
const LATER =
  '(?:明天|后天|(?:下个?)?(?:周|星期|礼拜)[一二三四五六日天]|下周|改天|回头|下次|晚点|晚些|过会儿?|等会儿?)';
const CANCEL = new RegExp(
  `${CANCEL_LEAD}(?:算了|取消|不投诉了|不想投诉了|不用了|不办了|不要了|退出|结束|不弄了|不问了|不等了|不排了|不留了|不留言了)` +
    `|取消吧?$|${CANCEL_LEAD}(?:算了[，,\\s]*)?(?:那)?(?:我)?(?:还是)?(?:就)?${LATER}再(?:来|说|问|找|联系|打)`,
  'u',
);
const CANCEL_MAX_LENGTH = 12;
// 转人工 works anywhere; a bare "人工" only in a short message, so "人工客服态度差" stays a complaint.
const HUMAN_ANYWHERE =
  /转人工|转接人工|转真人|接人工|找人工|要人工|转客服|转个人工|人工客服.{0,4}转|转.{0,3}人工/u;
const HUMAN_SHORT = /人工|真人|客服人员/u;
const HUMAN_SHORT_MAX_LENGTH = 8;
// Asking about the human service (人工几点下班, 你是真人吗) is a question, not a request for one.
const ABOUT_HUMAN_SERVICE =
  /几点|什么时候|时间|上班|下班|周末|节假日|你是|是不是真人|还是机器人|机器人吗/u;

/** Raised for dialog data the loader should have rejected (a bug, not customer input). */
export class DialogRuntimeError extends Error {
  readonly code = 'DIALOG_RUNTIME';
  constructor(message: string) {
    super(message);
    this.name = 'DialogRuntimeError';
  }
}

export function initialDialogState(): DialogState {
  return {
    v: DIALOG_STATE_VERSION,
    frame: null,
    stack: [],
    awaiting: null,
    fallbackLevel: 0,
    offered: [],
    turn: 0,
    ticketId: null,
    surveyOffered: false,
    engaged: false,
  };
}

/**
 * Reads a saved position. Anything that is not a current-version state (older schema, damage)
 * starts over rather than crashing the customer's turn; positions in dialogs that no longer
 * exist are dropped.
 */
export function restoreDialogState(
  saved: Json | undefined,
  dialogs: DialogEnvironment['dialogs'],
): DialogState {
  if (!saved || typeof saved !== 'object' || Array.isArray(saved)) return initialDialogState();
  if (saved.v !== DIALOG_STATE_VERSION) return initialDialogState();
  const state = structuredClone(saved) as unknown as DialogState;
  const valid = (f: DialogFrame | null): boolean =>
    f !== null && typeof f === 'object' && dialogs.get(f.dialogId)?.nodes[f.nodeId] !== undefined;
  if (!Array.isArray(state.stack) || !Array.isArray(state.offered)) return initialDialogState();
  // Positions saved before the stack was bounded may hold more; keep the most recent.
  state.stack = state.stack.filter(valid).slice(-MAX_SUSPENDED_DIALOGS);
  if (state.frame !== null && !valid(state.frame)) {
    state.frame = null;
    state.awaiting = null;
  }
  return state;
}

export function isCancelRequest(text: string): boolean {
  const t = text.trim();
  return t.length <= CANCEL_MAX_LENGTH && CANCEL.test(t);
}

// 不用转人工 / 别转人工 is the opposite of a request.
const NOT_HUMAN = /(?:不用|不要|不想|别|无需|不需要|不必)[^，。,]{0,3}(?:转|找|要)/u;

export function isHumanRequest(text: string): boolean {
  const t = text.trim();
  if (NOT_HUMAN.test(t)) return false;
  // 周末能找人工吗 asks about the weekend, which the days-off answer tells.
  if (HUMAN_ANYWHERE.test(t)) return serviceQuestionOf(t) !== 'days_off';
  return t.length <= HUMAN_SHORT_MAX_LENGTH && HUMAN_SHORT.test(t) && !ABOUT_HUMAN_SERVICE.test(t);
}

interface MessageInput {
  text: string;
  choice: string | null;
  nlu: NluResult;
  now: string;
}

interface Ctx {
  env: DialogEnvironment;
  s: DialogState;
  out: BotOutput[];
  effects: DialogEffect[];
  msg: MessageInput | null;
  now: string;
  awaitingEffect: boolean;
  /** The message that starts a dialog in this step (a `start` input's text), for prefill. */
  opening: string | null;
}

export function step(
  env: DialogEnvironment,
  state: DialogState | null,
  input: DialogInput,
): StepResult {
  const ctx: Ctx = {
    env,
    s: structuredClone(state ?? initialDialogState()),
    out: [],
    effects: [],
    msg: null,
    now: input.kind === 'effect_result' ? '' : input.now,
    awaitingEffect: false,
    opening: input.kind === 'start' ? (input.text ?? null) : null,
  };
  ctx.s.turn += 1;
  if (input.kind === 'effect_result') handleEffectResult(ctx, input.ok, input.data);
  else if (input.kind === 'start') {
    ctx.s.offered = [];
    startDialog(ctx, input.dialogId, input.slots ?? {});
  } else handleMessage(ctx, input);
  return {
    state: ctx.s,
    outputs: ctx.out,
    effects: ctx.effects,
    awaitingEffect: ctx.awaitingEffect,
  };
}

// ---- message routing ------------------------------------------------------------------------

function handleMessage(ctx: Ctx, input: Extract<DialogInput, { kind: 'message' }>): void {
  const msg = readAgentHours(ctx.env, resolveOffered(ctx.s.offered, input, ctx.env.questions));
  ctx.msg = msg;
  ctx.s.offered = [];
  const { s, env } = ctx;
  const answersQuestion = pickedOption(ctx, msg) || fitsQuestion(ctx, msg);
  const asksHuman =
    isHumanRequest(msg.text) ||
    (msg.nlu.intent === env.policy.humanIntent &&
      msg.nlu.confidence >= env.policy.confidentAt &&
      !waitingForFreeText(ctx));
  if (asksHuman && !answersQuestion) {
    s.fallbackLevel = 0;
    s.engaged = true;
    handOver(ctx);
    return;
  }
  if (s.frame && s.awaiting === 'input') {
    handleAtWaitingNode(ctx, msg);
    return;
  }
  if (s.frame && s.awaiting === 'effect') {
    throw new DialogRuntimeError(
      `conversation is waiting for effect at ${s.frame.dialogId}/${s.frame.nodeId}`,
    );
  }
  routeIdle(ctx, msg);
}

/** A typed number ("2") or label picks one of the quick replies the bot just offered. */
function resolveOffered(
  offered: QuickReply[],
  input: MessageInput,
  questions: DialogEnvironment['questions'],
): MessageInput {
  let choice = input.choice;
  const typed = input.text.trim();
  if (choice === null && offered.length > 0) {
    const n = /^\d{1,2}$/.test(typed) ? Number(typed) : NaN;
    const picked =
      (n >= 1 && n <= offered.length ? offered[n - 1] : undefined) ??
      offered.find((q) => q.label === typed || q.value === typed);
    if (picked) choice = picked.value;
  }
  let text = input.text;
  if (choice !== null && text.trim() === '') {
    text = offered.find((q) => q.value === choice)?.label ?? choice;
  }
  let nlu = input.nlu;
  if (choice?.startsWith(INTENT_CHOICE_PREFIX)) {
    const intent = choice.slice(INTENT_CHOICE_PREFIX.length);
    nlu = { intent, confidence: 1, alternatives: [], entities: nlu.entities };
  } else if (choice?.startsWith(QUESTION_CHOICE_PREFIX)) {
    const id = choice.slice(QUESTION_CHOICE_PREFIX.length);
    const question = questions.get(id);
    if (question) {
      nlu = {
        intent: question.topic,
        confidence: 1,
        alternatives: [],
        entities: nlu.entities,
        question: { id, confidence: 1 },
      };
    }
  }
  return { text, choice, nlu, now: input.now };
}

/** 周一几点开始有人 / 周六周日有人不 / 能不能直接打电话给你们: the human service's own question. */
function readAgentHours(env: DialogEnvironment, msg: MessageInput): MessageInput {
  if (msg.choice !== null) return msg;
  const nlu = serviceQuestionReading(env, msg.text, msg.nlu);
  return nlu ? { ...msg, nlu } : msg;
}

/** The message picks one of the options of the question being asked ("转人工客服" in a menu). */
function pickedOption(ctx: Ctx, msg: MessageInput): boolean {
  const node = ctx.s.awaiting === 'input' ? currentNode(ctx) : undefined;
  if (!node || (node.kind !== 'ask' && node.kind !== 'choice') || node.options.length === 0)
    return false;
  return matchOption(node.options, msg.text.trim(), msg.choice).ok;
}

function isConfident(ctx: Ctx, nlu: NluResult, threshold: number): boolean {
  return (
    nlu.intent !== OUT_OF_SCOPE && nlu.confidence >= threshold && ctx.env.intents.has(nlu.intent)
  );
}

function waitingForFreeText(ctx: Ctx): boolean {
  const node = currentNode(ctx);
  return node?.kind === 'ask' && node.type === 'text' && ctx.s.awaiting === 'input';
}

function routeIdle(ctx: Ctx, msg: MessageInput): void {
  const { s, env } = ctx;
  if (isCancelRequest(msg.text) && !isConfident(ctx, msg.nlu, env.policy.confidentAt)) {
    s.fallbackLevel = 0;
    say(ctx, null, '好的。请问还有其他可以帮您的吗？');
    return;
  }
  if (
    msg.nlu.intent === OUT_OF_SCOPE &&
    msg.nlu.confidence >= env.policy.confidentAt &&
    env.intents.has(OUT_OF_SCOPE)
  ) {
    // Clearly not about the firm's business: say so, with what the bot can do; no ladder.
    s.fallbackLevel = 0;
    emitAnswer(ctx, OUT_OF_SCOPE, null);
    return;
  }
  const candidates = offerable(ctx, msg.nlu.candidates);
  if (!isConfident(ctx, msg.nlu, env.policy.confidentAt)) {
    s.fallbackLevel = Math.min(3, s.fallbackLevel + 1);
    if (candidates.length >= 2 && s.fallbackLevel < 3) {
      clarify(ctx, candidates);
      return;
    }
    startDialog(ctx, env.policy.fallbackDialog, { level: String(s.fallbackLevel) });
    return;
  }
  s.fallbackLevel = 0;
  const intent = env.intents.get(msg.nlu.intent);
  // Two close standard questions are offered as choices; a vague request of a topic with its own
  // dialog (我想开户) starts the dialog instead.
  const leading = msg.nlu.candidates?.[0]?.confidence ?? 0;
  const vague = leading < CLEAR_CANDIDATE && intent !== undefined && linkedDialog(ctx, intent);
  if (!msg.nlu.question && candidates.length >= 2 && !vague) {
    s.engaged = true;
    clarify(ctx, candidates);
    return;
  }
  answerOrStart(ctx, msg.nlu.intent);
}

/** Candidate questions that exist, at most the number offered. */
function offerable(ctx: Ctx, candidates: NluResult['candidates']): string[] {
  return (candidates ?? [])
    .map((c) => c.id)
    .filter((id) => ctx.env.questions.has(id))
    .slice(0, MAX_OFFERED_QUESTIONS);
}

/** Two or three standard questions are close: ask which one instead of guessing (您是想问…). */
function clarify(ctx: Ctx, ids: string[]): void {
  const { env } = ctx;
  const quickReplies: QuickReply[] = ids.map((id) => ({
    label: env.questions.get(id)?.question ?? id,
    value: QUESTION_CHOICE_PREFIX + id,
  }));
  quickReplies.push({
    label: '都不是，转人工',
    value: INTENT_CHOICE_PREFIX + env.policy.humanIntent,
  });
  emit(ctx, null, null, '您是想问下面哪个问题？请点选，或换个说法再问我。', quickReplies, false);
}

/**
 * The dialog an intent hands this message to, if any: its `dialog`, unless `dialogWhen` narrows it
 * to messages that match (then the others get the plain answer).
 */
function linkedDialog(ctx: Ctx, intent: IntentDefinition): string | null {
  if (!intent.dialog || !ctx.env.dialogs.has(intent.dialog)) return null;
  if (intent.dialogWhen === undefined) return intent.dialog;
  return textMatches(ctx.msg, intent.dialogWhen) ? intent.dialog : null;
}

/**
 * Whether a sure standard question is answered as asked rather than by the dialog this message
 * would start. Not when the dialog is the question's own next step (转账失败怎么办 sums up the
 * transfer troubleshooting), nor when the message reports what `dialogWhen` names (转不进去) and
 * the question does not (怎么把钱转进证券账户): the reading missed that something failed.
 */
function answersOverDialog(
  intent: IntentDefinition,
  question: StandardQuestion,
  linked: string | null,
): boolean {
  if (linked === null) return true;
  if (question.next === linked) return false;
  return (
    intent.dialogWhen === undefined || new RegExp(intent.dialogWhen, 'u').test(question.question)
  );
}

/**
 * A content pattern (written in simplified Chinese) holds for the message as typed or as the NLU
 * reads it (繁體 -> 简体, full-width -> half-width). Normalised only when a pattern is tested and
 * the typed text missed, so ordinary turns pay nothing for it.
 */
function textMatches(msg: MessageInput | null, pattern: string): boolean {
  if (!msg) return false;
  const re = new RegExp(pattern, 'u');
  return re.test(msg.text) || re.test(normalizeText(msg.text));
}

/** Handles a confidently recognised intent: its dialog if it has one, else its answer. */
function answerOrStart(ctx: Ctx, intentId: string): void {
  const { s, env } = ctx;
  const intent = env.intents.get(intentId);
  if (!intent) return;
  const small = env.policy.smallTalkIntents.includes(intentId);
  if (!small) s.engaged = true;
  // A precise standard question is answered as asked; the topic's dialog is for general requests
  // (我想开户, 密码忘了怎么办), so a question read with less certainty yields to the dialog.
  const question = answeredQuestion(ctx, intentId);
  // A message naming a stock goes to the topic's dialog, which reads the stock's board (688981
  // 下单被拒 needs the STAR permission hint).
  const namesStock = namedSecurities(ctx.msg?.nlu.entities ?? []).length > 0;
  const sure = (ctx.msg?.nlu.question?.confidence ?? 0) >= SURE_QUESTION_OVER_DIALOG && !namesStock;
  const linked = linkedDialog(ctx, intent);
  const dialogId = question && sure && answersOverDialog(intent, question, linked) ? null : linked;
  if (dialogId) {
    startDialog(ctx, dialogId);
    return;
  }
  emitAnswer(ctx, intentId, null);
  if (env.policy.surveyAfterIntents.includes(intentId) && s.engaged && !s.surveyOffered) {
    s.surveyOffered = true;
    startDialog(ctx, env.policy.surveyDialog);
  }
}

// ---- waiting nodes (ask / choice) ----------------------------------------------------------

function handleAtWaitingNode(ctx: Ctx, msg: MessageInput): void {
  const { s, env } = ctx;
  const frame = s.frame as DialogFrame;
  const dialog = dialogOf(ctx, frame.dialogId);
  const node = nodeOf(dialog, frame.nodeId);
  if (node.kind !== 'ask' && node.kind !== 'choice') {
    throw new DialogRuntimeError(`${dialog.id}/${node.id} is not a question`);
  }
  if (frame.confirmCancel) {
    delete frame.confirmCancel;
    if (answerToCancelQuestion(formTurn(ctx), dialog, node, msg.text, msg.choice)) return;
  }
  const options = node.options;
  const picked = options.length > 0 ? matchOption(options, msg.text.trim(), msg.choice) : null;
  if (!picked?.ok && (isCancelRequest(msg.text) || givesUp(msg.text))) {
    requestCancel(formTurn(ctx), dialog, node, msg.text);
    return;
  }
  // 那能不能先留个言 while the message is being taken: a yes, neither the message nor a phone.
  if (
    !picked?.ok &&
    dialog.id === env.policy.leaveMessageDialog &&
    msg.choice === null &&
    onlyAsksForCallback(msg.text)
  ) {
    alreadyUnderway(formTurn(ctx), dialog, node);
    return;
  }
  const tappedIntent = msg.choice?.startsWith(INTENT_CHOICE_PREFIX) ?? false;
  // On an optional free-text question (a survey comment) 好的 / 嗯 just means nothing to add.
  const filler =
    !tappedIntent &&
    isFillerAt(node, msg.text, msg.choice) &&
    !(node.kind === 'ask' && node.optional);
  const accepted =
    tappedIntent || filler ? { ok: false as const } : acceptAnswer(ctx, dialog, node, msg);
  if (accepted.ok) {
    // Answering the fallback's own menu is not a sign the bot understood a question.
    if (dialog.id !== env.policy.fallbackDialog) s.fallbackLevel = 0;
    frame.retries = 0;
    let next: string | undefined;
    if (node.kind === 'ask' || node.slot) {
      const slot = node.kind === 'ask' ? node.slot : (node.slot as string);
      // 我叫周敏 电话139… 去年十月…: the other questions the message answers are taken too.
      const more = answersBeside(dialog, frame.slots, node, msg.text, accepted.value, msg.now, [
        ...msg.nlu.entities,
      ]);
      frame.slots[slot] = more.answer ?? accepted.value;
      if (accepted.label !== undefined) frame.slots[`${slot}_label`] = accepted.label;
      for (const [key, value] of Object.entries(accepted.extra))
        frame.slots[`${slot}_${key}`] = value;
      Object.assign(frame.slots, more.slots);
      if (more.labels.length > 0)
        say(ctx, nodeRef(dialog.id, node.id), `好的，已记录${more.labels.join('、')}。`);
    }
    if (accepted.option?.then) frame.resumeTo = accepted.option.then;
    else if (frame.resumeTo && (node.kind === 'ask' || node.slot)) {
      next = frame.resumeTo;
      frame.resumeTo = null;
    }
    next ??= accepted.option?.next ?? node.next;
    if (!next) {
      finishDialog(ctx, null);
      return;
    }
    run(ctx, next);
    return;
  }
  // 唉算了 不投了 我自己找营业部去: giving up, said beside something that answers nothing asked.
  if (!tappedIntent && !isFreeText(node) && givesUpAmongOther(msg.text)) {
    requestCancel(formTurn(ctx), dialog, node, msg.text);
    return;
  }
  // Another question interrupts; a precise standard question does too, even of this dialog's
  // own topic (开完户几时能用, asked while the bot waits for a menu pick).
  const otherIntent =
    !filler &&
    (isConfident(ctx, msg.nlu, tappedIntent ? 0 : env.policy.interruptAt) ||
      asksStandardQuestion(ctx, msg)) &&
    !env.policy.smallTalkIntents.includes(msg.nlu.intent) &&
    (env.intents.get(msg.nlu.intent)?.dialog !== dialog.id || msg.nlu.question !== undefined);
  // The story (or the employee's looks) where a name was asked: noted, then the same question.
  // Read surely as another topic and telling no grievance (他让我把密码给他), that topic is answered
  // and the story kept.
  const smallTalk =
    env.policy.smallTalkIntents.includes(msg.nlu.intent) &&
    msg.nlu.confidence >= env.policy.confidentAt;
  const story =
    tappedIntent || filler || smallTalk || isFreeText(node)
      ? null
      : storyInstead(dialog, frame.slots, node, msg.text, msg.now, [...msg.nlu.entities]);
  if (story && (!otherIntent || goesOnWithStory(msg.text) || tellsGrievance(msg.text))) {
    tookStory(formTurn(ctx), dialog, node, story);
    return;
  }
  if (!tappedIntent && declines(node, msg.text)) {
    declined(formTurn(ctx), dialog, node);
    return;
  }
  if (otherIntent) {
    const noted = story !== null && dialog.interrupt === 'resume';
    if (noted) Object.assign(frame.slots, story.slots);
    interrupt(ctx, dialog, node, msg.nlu.intent, noted);
    return;
  }
  if (!filler && (isAccountLookup(msg.text) || (!isFreeText(node) && isClearRequest(msg.text)))) {
    digress(formTurn(ctx), dialog, node, msg.text);
    return;
  }
  frame.retries += 1;
  if (frame.retries > node.maxRetries) {
    frame.retries = 0;
    run(ctx, node.onFail);
    return;
  }
  // The reprompt once; after that the question in other words, never the same paragraph again.
  if (!frame.reprompted && node.reprompt.length > 0) {
    frame.reprompted = true;
    prompt(ctx, dialog, node, 'reprompt');
  } else reask(ctx, dialog, node, notUnderstood(node, frame.reprompted === true));
}

/** The message is a valid name, phone, date... for the question asked ("我叫赵敏" is a name). */
function fitsQuestion(ctx: Ctx, msg: MessageInput): boolean {
  const node = ctx.s.awaiting === 'input' ? currentNode(ctx) : undefined;
  if (node?.kind !== 'ask' || node.type === 'text' || node.options.length > 0) return false;
  return validateSlot(node.type, msg.text, msg.nlu.entities, msg.now).ok;
}

interface Accepted {
  ok: true;
  value: string;
  label?: string;
  extra: Record<string, string>;
  option?: { next?: string; then?: string };
}

function isFreeText(node: WaitingNode): boolean {
  return node.kind === 'ask' && node.type === 'text';
}

function acceptAnswer(
  ctx: Ctx,
  dialog: DialogDefinition,
  node: WaitingNode,
  msg: MessageInput,
): Accepted | { ok: false } {
  if (
    node.kind === 'ask' &&
    node.optional &&
    (isSkip(msg.text, msg.choice, node.skipWords ?? DEFAULT_ANSWERS.skip) ||
      isFillerAt(node, msg.text, msg.choice) ||
      // 对的 to an optional 怎么称呼您: the customer confirms what they gave and skips this one.
      (node.type === 'name' && saysOnly(simplifiedScript(msg.text), DEFAULT_ANSWERS.yes ?? [])))
  ) {
    return { ok: true, value: '', extra: {} };
  }
  if (node.kind === 'choice' || node.type === 'choice') {
    const r = matchOption(node.options, msg.text.trim(), msg.choice);
    if (!r.ok) return r;
    return {
      ok: true,
      value: r.value,
      label: r.option?.label,
      extra: {},
      ...(r.option ? { option: r.option } : {}),
    };
  }
  if (msg.choice !== null && msg.choice !== SKIP_VALUE && node.type !== 'yes_no') {
    return { ok: false };
  }
  // A free-text question takes the customer's words, unless they ask something else plainly (or
  // only give a number). A question that collects questions (留言) takes them, but not advice.
  if (node.type === 'text') {
    if (isOnlyNumber(msg.text) || isBareCommand(msg.text)) return { ok: false };
    const elsewhere = node.acceptsQuestions
      ? isAdviceRequest(msg.text) || asksWhenAgentsAvailable(msg.text)
      : isAccountLookup(msg.text) || asksElsewhere(ctx, dialog, msg);
    if (elsewhere) return { ok: false };
  }
  const r = validateSlot(node.type, msg.text, msg.nlu.entities, msg.now, node.options, msg.choice);
  if (!r.ok) return r;
  return {
    ok: true,
    value: r.value,
    extra: r.extra,
    ...(r.option ? { label: r.option.label, option: r.option } : {}),
  };
}

/**
 * A question the knowledge base knows surely (你们一般多久能给答复 while a complaint is taken),
 * asked as a question, even when the topic reading alone is not sure enough to interrupt.
 */
function asksStandardQuestion(ctx: Ctx, msg: MessageInput): boolean {
  return (
    (msg.nlu.question?.confidence ?? 0) >= SURE_STANDARD_QUESTION &&
    isConfident(ctx, msg.nlu, ctx.env.policy.confidentAt) &&
    isClearRequest(msg.text, { questionsOnly: true })
  );
}
const SURE_STANDARD_QUESTION = 0.9;

/** A plain question or request the classifier is sure belongs to another topic. */
function asksElsewhere(ctx: Ctx, dialog: DialogDefinition, msg: MessageInput): boolean {
  const { env } = ctx;
  return (
    isConfident(ctx, msg.nlu, env.policy.interruptAt) &&
    !env.policy.smallTalkIntents.includes(msg.nlu.intent) &&
    env.intents.get(msg.nlu.intent)?.dialog !== dialog.id &&
    // In the customer's own words (经过, 诉求) a request (给我回个电话) is the answer itself.
    isClearRequest(msg.text, { questionsOnly: true })
  );
}

/**
 * Another question mid-dialog: answer it (or run its dialog) and come back, or leave. `noted`: the
 * message also told the story, which the form kept.
 */
function interrupt(
  ctx: Ctx,
  dialog: DialogDefinition,
  node: WaitingNode,
  intentId: string,
  noted = false,
): void {
  const { s, env } = ctx;
  s.fallbackLevel = 0;
  if (dialog.interrupt === 'abandon') {
    s.frame = null;
    s.awaiting = null;
    resumeOrIdle(ctx, () => answerOrStart(ctx, intentId));
    return;
  }
  const intent = env.intents.get(intentId);
  // A standard question is answered, even of a topic that has a dialog (投诉多久答复 while the
  // complaint is being taken must not start the complaint again).
  const dialogId = intent && !answeredQuestion(ctx, intentId) ? linkedDialog(ctx, intent) : null;
  if (dialogId) {
    s.stack = suspend(s.stack, s.frame as DialogFrame, dialogId);
    s.frame = null;
    s.awaiting = null;
    s.engaged = true;
    startDialog(ctx, dialogId);
    return;
  }
  s.engaged = true;
  emitAnswer(ctx, intentId, null);
  const kept = noted ? `您说的情况我已记录在${storySlotOf(dialog)?.label ?? '登记'}里。` : '好的，';
  reask(ctx, dialog, node, `${kept}我们继续刚才的${dialog.title}。`);
}

/** How many interrupted dialogs wait to be resumed; older ones are dropped. */
export const MAX_SUSPENDED_DIALOGS = 2;

/**
 * The stack after `current` is interrupted by dialog `next`: one frame per dialog (a dialog that
 * starts again replaces its suspended copy) and only the most recent few, so a customer hopping
 * between topics does not pile up forms, nor get a stale one resumed many questions later.
 */
function suspend(stack: DialogFrame[], current: DialogFrame, next: string): DialogFrame[] {
  const kept = stack.filter((f) => f.dialogId !== next && f.dialogId !== current.dialogId);
  if (current.dialogId !== next) kept.push(current);
  return kept.slice(-MAX_SUSPENDED_DIALOGS);
}

function cancelDialog(ctx: Ctx, dialog: DialogDefinition): void {
  const { s } = ctx;
  const slots = s.frame?.slots ?? {};
  s.frame = null;
  s.awaiting = null;
  s.fallbackLevel = 0;
  const text = pick(ctx, dialog.onCancel) ?? '好的，已为您取消。';
  say(ctx, nodeRef(dialog.id, 'cancel'), renderDialogText(text, slots, ctx.env.firm));
  if (s.stack.length > 0) resumeOrIdle(ctx, () => undefined);
  else say(ctx, null, '请问还有其他可以帮您的吗？');
}

/**
 * 转人工 from anywhere: the forms in progress are left, but what the customer typed into them
 * travels with the handoff (to the agent, or into the message they leave).
 */
function handOver(ctx: Ctx): void {
  const carried = carriedAnswers(ctx.env, ctx.s);
  // 留个言，明天给我回电话: the human dialog takes a message instead of queueing the customer.
  if (ctx.msg && asksForCallback(ctx.msg.text)) carried[CALLBACK_SLOT] = 'yes';
  dropAllDialogs(ctx);
  startDialog(ctx, ctx.env.policy.humanDialog, carried);
}

/** What the form-side helpers may do in this step. */
function formTurn(ctx: Ctx): FormTurn {
  return {
    env: ctx.env,
    frame: ctx.s.frame as DialogFrame,
    offer: (ref, text, replies) => emit(ctx, ref, null, text, replies, false),
    reask: (dialog, node, lead) => reask(ctx, dialog, node, lead),
    goTo: (nodeId) => run(ctx, nodeId),
    cancel: (dialog) => cancelDialog(ctx, dialog),
    isCancel: isCancelRequest,
  };
}

// ---- running nodes ---------------------------------------------------------------------------

function startDialog(ctx: Ctx, dialogId: string, slots: Record<string, string> = {}): void {
  const dialog = dialogOf(ctx, dialogId);
  const opening = ctx.opening ?? ctx.msg?.text ?? '';
  const filled = opening
    ? prefillFromOpening(dialog, opening, ctx.now, DEFAULT_ANSWERS.filler ?? [])
    : {};
  // The request that led to a human is kept: a message left later may start from it.
  const keepOpening = opening !== '' && dialogId === ctx.env.policy.humanDialog;
  ctx.s.frame = {
    dialogId,
    nodeId: dialog.start,
    slots: { ...filled, ...slots },
    retries: 0,
    resumeTo: null,
    ...(keepOpening ? { opening } : {}),
  };
  ctx.s.awaiting = null;
  run(ctx, dialog.start);
}

/** A question whose slot the opening message (or a carried form) already filled is not asked. */
function alreadyAnswered(frame: DialogFrame, node: WaitingNode): string | null {
  if (!node.prefill || frame.resumeTo) return null;
  const slot = node.slot;
  const value = slot ? frame.slots[slot] : undefined;
  if (!slot || value === undefined || value === '') return null;
  const option = node.options.find((o) => o.value === value);
  return option?.next ?? node.next ?? null;
}

function run(ctx: Ctx, startNode: string): void {
  const { s, env } = ctx;
  let nodeId: string | undefined = startNode;
  for (let guard = 0; nodeId !== undefined; guard++) {
    if (guard > MAX_NODES_PER_STEP) {
      throw new DialogRuntimeError(
        `dialog ${s.frame?.dialogId} ran ${guard} nodes without waiting`,
      );
    }
    const frame = s.frame as DialogFrame;
    const dialog = dialogOf(ctx, frame.dialogId);
    const node: DialogNode = nodeOf(dialog, nodeId);
    frame.nodeId = node.id;
    const ref = nodeRef(dialog.id, node.id);
    switch (node.kind) {
      case 'say': {
        const text = renderDialogText(pick(ctx, node.text) ?? '', frame.slots, env.firm);
        const quickReplies = node.quickReplies.map((q) => ({ label: q.label, value: q.value }));
        emit(ctx, ref, null, text, quickReplies, node.riskDisclosure);
        nodeId = node.next;
        break;
      }
      case 'ask':
      case 'choice': {
        const skipTo = alreadyAnswered(frame, node);
        if (skipTo) {
          nodeId = skipTo;
          break;
        }
        s.awaiting = 'input';
        delete frame.reasked;
        delete frame.reprompted;
        prompt(ctx, dialog, node, 'prompt');
        return;
      }
      case 'branch':
        nodeId = node.cases.find((c) => conditionHolds(ctx, frame, c.when))?.next ?? node.default;
        break;
      case 'answer':
        emitAnswer(ctx, node.intent, ref);
        nodeId = node.next;
        break;
      case 'suggest':
        suggest(ctx, ref, pick(ctx, node.text) ?? '', node.max);
        nodeId = node.next;
        break;
      case 'handoff': {
        // The desk decides (queued, after hours, unreachable) and says it with this text, once.
        const collected = collectedFor(env, frame);
        const carried = frame.slots[CARRIED_FROM] && collected;
        const text =
          pick(ctx, node.text) ??
          (carried ? `您在${collected.title}中已填写的信息会一并转给客服专员。` : undefined);
        s.awaiting = 'effect';
        ctx.awaitingEffect = true;
        ctx.effects.push({
          kind: 'handoff',
          reason: node.reason,
          ticketId: s.ticketId,
          ...(text ? { preface: renderDialogText(text, frame.slots, env.firm) } : {}),
          ...(collected ? { collected } : {}),
        });
        return;
      }
      case 'effect':
        s.awaiting = 'effect';
        ctx.awaitingEffect = true;
        ctx.effects.push(effectFor(ctx, dialog, node.effect, frame.slots, node.incomplete));
        return;
      case 'end': {
        const text = pick(ctx, node.text);
        if (text) say(ctx, ref, renderDialogText(text, frame.slots, env.firm));
        finishDialog(ctx, node.then ?? null);
        return;
      }
    }
  }
  finishDialog(ctx, null);
}

function effectFor(
  ctx: Ctx,
  dialog: DialogDefinition,
  kind: DialogEffect['kind'],
  slots: Record<string, string>,
  incomplete = false,
): DialogEffect {
  switch (kind) {
    case 'create_ticket':
      return {
        kind,
        dialogId: dialog.id,
        slots: { ...slots },
        ...(incomplete ? { incomplete: true, missing: missingFields(dialog, slots) } : {}),
      };
    case 'leave_message':
      return { kind, slots: { ...slots }, ticketId: ctx.s.ticketId };
    case 'record_ticket_feedback':
      return { kind, slots: { ...slots }, ticketId: ctx.s.ticketId };
    case 'record_survey': {
      const score = Number(slots.score);
      const comment = slots.comment && slots.comment !== SKIP_VALUE ? slots.comment : null;
      return {
        kind,
        score: Number.isFinite(score) ? score : 0,
        comment,
        ticketId: ctx.s.ticketId,
      };
    }
    case 'handoff':
      throw new DialogRuntimeError(`dialog ${dialog.id}: handoff is a node kind, not an effect`);
  }
}

function handleEffectResult(ctx: Ctx, ok: boolean, data: Record<string, string>): void {
  const { s } = ctx;
  const frame = s.frame;
  if (!frame || s.awaiting !== 'effect') {
    throw new DialogRuntimeError('effect result arrived but no effect was pending');
  }
  const node = nodeOf(dialogOf(ctx, frame.dialogId), frame.nodeId);
  s.awaiting = null;
  if (node.kind === 'handoff') {
    afterHandoff(ctx, frame, data);
    return;
  }
  if (node.kind !== 'effect')
    throw new DialogRuntimeError(`${frame.dialogId}/${node.id} is not an effect`);
  Object.assign(frame.slots, data);
  if (ok && data.ticketId) s.ticketId = data.ticketId;
  run(ctx, ok ? node.next : node.onError);
}

/**
 * The desk has answered the handoff. Queued: the agent takes over. Offered to leave a message
 * (after hours, nobody free, desk down): the leave-message form starts, with the answers the
 * customer already gave.
 */
function afterHandoff(ctx: Ctx, frame: DialogFrame, data: Record<string, string>): void {
  const slots = leaveMessageSlots(ctx.env, frame, data);
  dropAllDialogs(ctx);
  if (!slots) return;
  ctx.opening = frame.opening ?? null;
  startDialog(ctx, ctx.env.policy.leaveMessageDialog, slots);
}

function finishDialog(ctx: Ctx, then: string | null): void {
  const { s } = ctx;
  s.frame = null;
  s.awaiting = null;
  if (then) {
    if (then === ctx.env.policy.surveyDialog) {
      if (s.surveyOffered) return resumeOrIdle(ctx, () => undefined);
      s.surveyOffered = true;
    }
    startDialog(ctx, then);
    return;
  }
  resumeOrIdle(ctx, () => undefined);
}

/** Runs `idle` and then brings back the most recently interrupted dialog, if any. */
function resumeOrIdle(ctx: Ctx, idle: () => void): void {
  const { s } = ctx;
  idle();
  if (s.frame || s.stack.length === 0) return;
  const frame = s.stack.pop() as DialogFrame;
  const dialog = dialogOf(ctx, frame.dialogId);
  const node = nodeOf(dialog, frame.nodeId);
  s.frame = frame;
  if (node.kind === 'ask' || node.kind === 'choice') {
    s.awaiting = 'input';
    reask(ctx, dialog, node, `好的，我们继续刚才的${dialog.title}。`);
  } else run(ctx, node.id);
}

function dropAllDialogs(ctx: Ctx): void {
  ctx.s.frame = null;
  ctx.s.stack = [];
  ctx.s.awaiting = null;
}

function prompt(
  ctx: Ctx,
  dialog: DialogDefinition,
  node: WaitingNode,
  which: 'prompt' | 'reprompt',
): void {
  const frame = ctx.s.frame as DialogFrame;
  const texts = which === 'reprompt' && node.reprompt.length > 0 ? node.reprompt : node.prompt;
  const text = renderDialogText(pick(ctx, texts) ?? '', frame.slots, ctx.env.firm);
  emit(ctx, nodeRef(dialog.id, node.id), null, text, answerButtons(node), false);
}

/**
 * Asks the waiting question again, in one paragraph with `lead` (好的，我们继续刚才的投诉登记。):
 * the customer read the full prompt already, so each time in other, shorter words.
 */
function reask(ctx: Ctx, dialog: DialogDefinition, node: WaitingNode, lead: string): void {
  const frame = ctx.s.frame as DialogFrame;
  const n = frame.reasked ?? 0;
  frame.reasked = n + 1;
  const text = renderDialogText(`${lead}${reaskText(node, n)}`, frame.slots, ctx.env.firm);
  emit(ctx, nodeRef(dialog.id, node.id), null, text, answerButtons(node), false);
}

/** The quick replies a question offers: its options, 是/否, 跳过 when it may be skipped. */
function answerButtons(node: WaitingNode): QuickReply[] {
  const quickReplies: QuickReply[] = node.options.map((o) => ({
    label: o.label,
    value: o.value,
  }));
  if (node.kind === 'ask' && node.type === 'yes_no' && quickReplies.length === 0) {
    quickReplies.push({ label: '是', value: 'yes' }, { label: '否', value: 'no' });
  }
  if (node.kind === 'ask' && node.optional) quickReplies.push({ label: '跳过', value: SKIP_VALUE });
  return quickReplies;
}

function conditionHolds(ctx: Ctx, frame: DialogFrame, when: Condition): boolean {
  const msg = ctx.msg;
  if (when.intent !== undefined && msg?.nlu.intent !== when.intent) return false;
  if (
    when.board !== undefined &&
    !namedSecurities(msg?.nlu.entities ?? []).some((symbol) => boardOf(symbol) === when.board)
  ) {
    return false;
  }
  if (when.entity !== undefined && !msg?.nlu.entities.some((e) => e.type === when.entity)) {
    return false;
  }
  if (when.slot !== undefined) {
    const value = frame.slots[when.slot];
    if (when.equals === undefined && when.in === undefined && when.matches === undefined) {
      return value !== undefined && value !== '';
    }
    if (value === undefined) return false;
    if (when.equals !== undefined && value !== when.equals) return false;
    if (when.in !== undefined && !when.in.includes(value)) return false;
    if (when.matches !== undefined && !new RegExp(when.matches, 'u').test(value)) return false;
  } else if (when.matches !== undefined) {
    if (!textMatches(msg, when.matches)) return false;
  }
  return true;
}

// ---- output helpers --------------------------------------------------------------------------

function emitAnswer(ctx: Ctx, intentId: string, ref: string | null): void {
  const intent = ctx.env.intents.get(intentId);
  if (!intent) throw new DialogRuntimeError(`answer of unknown intent ${intentId}`);
  const question = answeredQuestion(ctx, intentId);
  if (question) {
    const text = renderTemplate(pick(ctx, question.answers) ?? question.question, ctx.env.firm);
    // Out of scope: offer what the bot can do, not other out-of-scope answers.
    const quickReplies =
      intentId === OUT_OF_SCOPE && question.related.length === 0
        ? popularReplies(ctx)
        : questionReplies(ctx, relatedTo(ctx, question));
    emit(ctx, ref, intentId, text, quickReplies, question.riskDisclosure, question.id);
    return;
  }
  const text = renderTemplate(pick(ctx, intent.answers) ?? intent.title, ctx.env.firm);
  // The topic's overview offers its standard questions (您想了解哪方面), else its own links.
  const quickReplies =
    intent.questions.length > 0 && intentId !== OUT_OF_SCOPE
      ? questionReplies(
          ctx,
          intent.questions.slice(0, MAX_OFFERED_QUESTIONS + 1).map((q) => q.id),
        )
      : intent.quickReplies.map((q) => ({
          label: q.label,
          value: INTENT_CHOICE_PREFIX + q.intent,
        }));
  emit(ctx, ref, intentId, text, quickReplies, intent.riskDisclosure);
}

/** The standard question of this message, when it belongs to the topic being answered. */
function answeredQuestion(ctx: Ctx, intentId: string): StandardQuestion | undefined {
  const id = ctx.msg?.nlu.question?.id;
  const question = id ? ctx.env.questions.get(id) : undefined;
  return question && question.topic === intentId ? question : undefined;
}

/** 猜你想问: the question's declared related questions, else the next ones of its topic. */
function relatedTo(ctx: Ctx, question: StandardQuestion): string[] {
  // The questions the reading found close to this one come first: the customer may mean them.
  const close = (ctx.msg?.nlu.question?.id === question.id ? (ctx.msg.nlu.candidates ?? []) : [])
    .map((c) => c.id)
    .filter((id) => ctx.env.questions.has(id) && id !== question.id);
  const declared = [
    ...new Set([
      ...close,
      ...question.related.filter((id) => ctx.env.questions.has(id) && id !== question.id),
    ]),
  ];
  if (declared.length > 0) return declared.slice(0, MAX_OFFERED_QUESTIONS);
  const siblings = ctx.env.intents.get(question.topic)?.questions ?? [];
  const at = siblings.findIndex((q) => q.id === question.id);
  return [...siblings.slice(at + 1), ...siblings.slice(0, Math.max(0, at))]
    .map((q) => q.id)
    .slice(0, MAX_OFFERED_QUESTIONS);
}

function popularReplies(ctx: Ctx): QuickReply[] {
  const { env } = ctx;
  return [...env.policy.popularIntents, env.policy.humanIntent]
    .filter((id) => env.intents.has(id))
    .map((id) => ({ label: env.intents.get(id)?.title ?? id, value: INTENT_CHOICE_PREFIX + id }));
}

function questionReplies(ctx: Ctx, ids: string[]): QuickReply[] {
  return ids.flatMap((id) => {
    const q = ctx.env.questions.get(id);
    return q ? [{ label: q.question, value: QUESTION_CHOICE_PREFIX + id }] : [];
  });
}

function suggest(ctx: Ctx, ref: string, text: string, max: number): void {
  const { env } = ctx;
  const nlu = ctx.msg?.nlu;
  const ranked = nlu
    ? [{ intent: nlu.intent, confidence: nlu.confidence }, ...nlu.alternatives]
        .filter((a) => a.intent !== OUT_OF_SCOPE && a.confidence > 0.05)
        .map((a) => a.intent)
    : [];
  const ids: string[] = [];
  for (const id of [...ranked, ...env.policy.popularIntents]) {
    if (ids.length >= max) break;
    if (ids.includes(id) || !env.intents.has(id) || env.policy.smallTalkIntents.includes(id))
      continue;
    if (id === env.policy.humanIntent) continue;
    ids.push(id);
  }
  const quickReplies = ids.map((id) => ({
    label: env.intents.get(id)?.title ?? id,
    value: INTENT_CHOICE_PREFIX + id,
  }));
  quickReplies.push({
    label: '都不是，转人工',
    value: INTENT_CHOICE_PREFIX + env.policy.humanIntent,
  });
  emit(ctx, ref, null, renderTemplate(text, env.firm), quickReplies, false);
}

function say(ctx: Ctx, ref: string | null, text: string): void {
  emit(ctx, ref, null, text, [], false);
}

function emit(
  ctx: Ctx,
  ref: string | null,
  intent: string | null,
  text: string,
  quickReplies: QuickReply[],
  riskDisclosure: boolean,
  question?: string,
): void {
  const message =
    quickReplies.length > 0
      ? { type: 'choices' as const, text, quickReplies }
      : { type: 'text' as const, text };
  ctx.out.push({ message, node: ref, intent, riskDisclosure, ...(question ? { question } : {}) });
  ctx.s.offered = quickReplies;
}

/** Deterministic variant choice, so replays and tests see the same words. */
function pick(ctx: Ctx, variants: readonly string[]): string | undefined {
  if (variants.length === 0) return undefined;
  return variants[ctx.s.turn % variants.length];
}

function nodeRef(dialogId: string, nodeId: string): string {
  return `${dialogId}/${nodeId}`;
}

function currentNode(ctx: Ctx): DialogNode | undefined {
  const f = ctx.s.frame;
  return f ? ctx.env.dialogs.get(f.dialogId)?.nodes[f.nodeId] : undefined;
}

function dialogOf(ctx: Ctx, id: string): DialogDefinition {
  const dialog = ctx.env.dialogs.get(id);
  if (!dialog) throw new DialogRuntimeError(`unknown dialog ${id}`);
  return dialog;
}

function nodeOf(dialog: DialogDefinition, id: string): DialogNode {
  const node = dialog.nodes[id];
  if (!node) throw new DialogRuntimeError(`dialog ${dialog.id} has no node ${id}`);
  return node;
}
