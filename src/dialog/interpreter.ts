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
import type { IntentDefinition } from '../content/types.ts';
import { isSkip, matchOption, SKIP_VALUE, validateSlot } from './slots.ts';
import { renderDialogText } from './template.ts';
import {
  DIALOG_STATE_VERSION,
  type BotOutput,
  type Condition,
  type ConversationPolicy,
  type DialogDefinition,
  type DialogEffect,
  type EffectKind,
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
};

// Short messages that leave a form: 取消 / 算了 / 不投诉了. Longer texts are answers, not commands.
const CANCEL = /^(算了|取消|不投诉了|不想投诉了|不用了|不办了|不要了|退出|结束|不弄了|不问了)/u;
const CANCEL_MAX_LENGTH = 12;
// 转人工 works anywhere; a bare "人工" only in a short message, so "人工客服态度差" stays a complaint.
const HUMAN_ANYWHERE = /转人工|转接人工|转真人|接人工|找人工|要人工/u;
const HUMAN_SHORT = /人工|真人|客服人员/u;
const HUMAN_SHORT_MAX_LENGTH = 8;

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

export function isHumanRequest(text: string): boolean {
  const t = text.trim();
  return HUMAN_ANYWHERE.test(t) || (t.length <= HUMAN_SHORT_MAX_LENGTH && HUMAN_SHORT.test(t));
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
  };
  ctx.s.turn += 1;
  if (input.kind === 'effect_result') handleEffectResult(ctx, input.ok, input.data);
  else if (input.kind === 'start') {
    ctx.s.offered = [];
    startDialog(ctx, input.dialogId);
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
  const msg = resolveOffered(ctx.s.offered, input);
  ctx.msg = msg;
  ctx.s.offered = [];
  const { s, env } = ctx;
  const answersQuestion = pickedOption(ctx, msg);
  const asksHuman =
    isHumanRequest(msg.text) ||
    (msg.nlu.intent === env.policy.humanIntent &&
      msg.nlu.confidence >= env.policy.confidentAt &&
      !waitingForFreeText(ctx));
  if (asksHuman && !answersQuestion) {
    s.fallbackLevel = 0;
    s.engaged = true;
    dropAllDialogs(ctx);
    startDialog(ctx, env.policy.humanDialog);
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
function resolveOffered(offered: QuickReply[], input: MessageInput): MessageInput {
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
  }
  return { text, choice, nlu, now: input.now };
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
  if (!isConfident(ctx, msg.nlu, env.policy.confidentAt)) {
    s.fallbackLevel = Math.min(3, s.fallbackLevel + 1);
    startDialog(ctx, env.policy.fallbackDialog, { level: String(s.fallbackLevel) });
    return;
  }
  s.fallbackLevel = 0;
  answerOrStart(ctx, msg.nlu.intent);
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
  const dialogId = linkedDialog(ctx, intent);
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
  const options = node.options;
  const picked = options.length > 0 ? matchOption(options, msg.text.trim(), msg.choice) : null;
  if (!picked?.ok && isCancelRequest(msg.text)) {
    cancelDialog(ctx, dialog);
    return;
  }
  const tappedIntent = msg.choice?.startsWith(INTENT_CHOICE_PREFIX) ?? false;
  const accepted = tappedIntent ? { ok: false as const } : acceptAnswer(ctx, node, msg);
  if (accepted.ok) {
    // Answering the fallback's own menu is not a sign the bot understood a question.
    if (dialog.id !== env.policy.fallbackDialog) s.fallbackLevel = 0;
    frame.retries = 0;
    let next: string | undefined;
    if (node.kind === 'ask' || node.slot) {
      const slot = node.kind === 'ask' ? node.slot : (node.slot as string);
      frame.slots[slot] = accepted.value;
      if (accepted.label !== undefined) frame.slots[`${slot}_label`] = accepted.label;
      for (const [key, value] of Object.entries(accepted.extra))
        frame.slots[`${slot}_${key}`] = value;
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
  const otherIntent =
    isConfident(ctx, msg.nlu, tappedIntent ? 0 : env.policy.interruptAt) &&
    !env.policy.smallTalkIntents.includes(msg.nlu.intent) &&
    env.intents.get(msg.nlu.intent)?.dialog !== dialog.id;
  if (otherIntent) {
    interrupt(ctx, dialog, node, msg.nlu.intent);
    return;
  }
  frame.retries += 1;
  if (frame.retries > node.maxRetries) {
    frame.retries = 0;
    run(ctx, node.onFail);
    return;
  }
  prompt(ctx, dialog, node, 'reprompt');
}

interface Accepted {
  ok: true;
  value: string;
  label?: string;
  extra: Record<string, string>;
  option?: { next?: string; then?: string };
}

function acceptAnswer(ctx: Ctx, node: WaitingNode, msg: MessageInput): Accepted | { ok: false } {
  if (node.kind === 'ask' && node.optional && isSkip(msg.text, msg.choice)) {
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
  const r = validateSlot(node.type, msg.text, msg.nlu.entities, msg.now, node.options, msg.choice);
  if (!r.ok) return r;
  return { ok: true, value: r.value, extra: r.extra };
}

/** Another question mid-dialog: answer it (or run its dialog) and come back, or leave. */
function interrupt(ctx: Ctx, dialog: DialogDefinition, node: WaitingNode, intentId: string): void {
  const { s, env } = ctx;
  s.fallbackLevel = 0;
  if (dialog.interrupt === 'abandon') {
    s.frame = null;
    s.awaiting = null;
    resumeOrIdle(ctx, () => answerOrStart(ctx, intentId));
    return;
  }
  const intent = env.intents.get(intentId);
  const dialogId = intent ? linkedDialog(ctx, intent) : null;
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
  say(ctx, nodeRef(dialog.id, node.id), `好的，我们继续刚才的${dialog.title}。`);
  prompt(ctx, dialog, node, 'prompt');
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

// ---- running nodes ---------------------------------------------------------------------------

function startDialog(ctx: Ctx, dialogId: string, slots: Record<string, string> = {}): void {
  const dialog = dialogOf(ctx, dialogId);
  ctx.s.frame = { dialogId, nodeId: dialog.start, slots: { ...slots }, retries: 0, resumeTo: null };
  ctx.s.awaiting = null;
  run(ctx, dialog.start);
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
      case 'choice':
        s.awaiting = 'input';
        prompt(ctx, dialog, node, 'prompt');
        return;
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
        const text = pick(ctx, node.text);
        if (text) say(ctx, ref, renderDialogText(text, frame.slots, env.firm));
        ctx.effects.push({ kind: 'handoff', reason: node.reason, ticketId: s.ticketId });
        dropAllDialogs(ctx);
        return;
      }
      case 'effect':
        s.awaiting = 'effect';
        ctx.awaitingEffect = true;
        ctx.effects.push(effectFor(ctx, dialog.id, node.effect, frame.slots));
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
  dialogId: string,
  kind: EffectKind,
  slots: Record<string, string>,
): DialogEffect {
  if (kind === 'create_ticket') return { kind, dialogId, slots: { ...slots } };
  if (kind === 'record_ticket_feedback')
    return { kind, slots: { ...slots }, ticketId: ctx.s.ticketId };
  const score = Number(slots.score);
  const comment = slots.comment && slots.comment !== SKIP_VALUE ? slots.comment : null;
  return { kind, score: Number.isFinite(score) ? score : 0, comment, ticketId: ctx.s.ticketId };
}

function handleEffectResult(ctx: Ctx, ok: boolean, data: Record<string, string>): void {
  const { s } = ctx;
  const frame = s.frame;
  if (!frame || s.awaiting !== 'effect') {
    throw new DialogRuntimeError('effect result arrived but no effect was pending');
  }
  const node = nodeOf(dialogOf(ctx, frame.dialogId), frame.nodeId);
  if (node.kind !== 'effect')
    throw new DialogRuntimeError(`${frame.dialogId}/${node.id} is not an effect`);
  s.awaiting = null;
  Object.assign(frame.slots, data);
  if (ok && data.ticketId) s.ticketId = data.ticketId;
  run(ctx, ok ? node.next : node.onError);
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
    say(ctx, nodeRef(dialog.id, node.id), `好的，我们继续刚才的${dialog.title}。`);
    prompt(ctx, dialog, node, 'prompt');
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
  const quickReplies: QuickReply[] = node.options.map((o) => ({
    label: o.label,
    value: o.value,
  }));
  if (node.kind === 'ask' && node.type === 'yes_no' && quickReplies.length === 0) {
    quickReplies.push({ label: '是', value: 'yes' }, { label: '否', value: 'no' });
  }
  if (node.kind === 'ask' && node.optional) quickReplies.push({ label: '跳过', value: SKIP_VALUE });
  emit(ctx, nodeRef(dialog.id, node.id), null, text, quickReplies, false);
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
  const text = renderTemplate(pick(ctx, intent.answers) ?? intent.title, ctx.env.firm);
  const quickReplies = intent.quickReplies.map((q) => ({
    label: q.label,
    value: INTENT_CHOICE_PREFIX + q.intent,
  }));
  emit(ctx, ref, intentId, text, quickReplies, intent.riskDisclosure);
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
): void {
  const message =
    quickReplies.length > 0
      ? { type: 'choices' as const, text, quickReplies }
      : { type: 'text' as const, text };
  ctx.out.push({ message, node: ref, intent, riskDisclosure });
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
