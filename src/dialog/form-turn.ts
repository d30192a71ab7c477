// The turns a form takes besides taking an answer: asking before answers are thrown away, saying
// why a refused answer is needed, serving a request the form cannot, and handing what was typed
// on to a human (or into the message left for one). The interpreter lends each a FormTurn: what
// it may do in this step, so these stay out of the routing core.
import type { QuickReply } from '../core/message.ts';
import { DEFAULT_ANSWERS, saysOnly } from './answers.ts';
import { collectedFields, hasTypedAnswers, isAccountLookup } from './form.ts';
import { soundsResigned } from './giving-up.ts';
import { storySlotOf, type MoreAnswers } from './more-answers.ts';
import { renderDialogText } from './template.ts';
import type {
  CollectedField,
  DialogDefinition,
  DialogEnvironment,
  DialogFrame,
  DialogState,
  WaitingNode,
} from './types.ts';

/** Quick-reply values of the "really leave the form?" question. */
export const DISCARD_FORM = 'form:discard';
export const KEEP_FORM = 'form:keep';

/** Slot naming the unfinished form whose answers a handoff dialog carries. */
export const CARRIED_FROM = 'carriedFrom';

/** What a form turn may do in the current step. */
export interface FormTurn {
  readonly env: DialogEnvironment;
  /** The frame waiting at the question. */
  readonly frame: DialogFrame;
  offer(ref: string, text: string, replies: QuickReply[]): void;
  /** Asks the node's question again in other words, in one paragraph after `lead`. */
  reask(dialog: DialogDefinition, node: WaitingNode, lead: string): void;
  /** Runs the dialog from this node. */
  goTo(nodeId: string): void;
  /** Leaves the dialog and says its onCancel. */
  cancel(dialog: DialogDefinition): void;
  isCancel(text: string): boolean;
}

function ref(dialog: DialogDefinition, node: WaitingNode): string {
  return `${dialog.id}/${node.id}`;
}

/**
 * 取消 / 算了 / 不用了 / 唉算了 不投了 跟你说也没用: with answers typed, ask before throwing them
 * away (acknowledging the frustration when the customer voiced it).
 */
export function requestCancel(
  turn: FormTurn,
  dialog: DialogDefinition,
  node: WaitingNode,
  text: string,
): void {
  const { frame } = turn;
  if (!hasTypedAnswers(dialog, frame.slots)) {
    turn.cancel(dialog);
    return;
  }
  frame.confirmCancel = true;
  const given = collectedFields(dialog, frame.slots)
    .map((f) => f.label)
    .join('、');
  const feeling = soundsResigned(text) ? '理解您的心情。' : '';
  turn.offer(
    ref(dialog, node),
    `${feeling}您已经告诉我${given}。放弃后这些信息不会保存，继续的话我们接着刚才的问题。确定要放弃本次${dialog.title}吗？`,
    [
      { label: `放弃${dialog.title}`, value: DISCARD_FORM },
      { label: '继续填写', value: KEEP_FORM },
    ],
  );
}

/** 嗯，不投诉了 / 是的不弄了 / 算了算了: giving up, said in a sentence. */
const GIVING_UP =
  /不(?:投诉|投訴|投|办|辦|弄|登记|登記|留言|填|要|想|搞|提)了|不想(?:投诉|投訴|弄|填|登记|搞|提)了?|算了|放弃|放棄|不用了|唔使了|唔要了/u;
const KEEPING_ON = /不(?:放弃|放棄|取消)|继续|繼續|接着|接著/u;

/** The customer's reply to "确定要放弃吗": true when it was handled here. */
export function answerToCancelQuestion(
  turn: FormTurn,
  dialog: DialogDefinition,
  node: WaitingNode,
  text: string,
  choice: string | null,
): boolean {
  const discard =
    choice === DISCARD_FORM ||
    (choice === null &&
      (turn.isCancel(text) ||
        saysOnly(text, [...(DEFAULT_ANSWERS.yes ?? []), '放弃', '不填了', '不要了']) ||
        (GIVING_UP.test(text) && !KEEPING_ON.test(text))));
  if (discard) {
    turn.cancel(dialog);
    return true;
  }
  const keep =
    choice === KEEP_FORM ||
    (choice === null &&
      (saysOnly(text, [...(DEFAULT_ANSWERS.no ?? []), '继续', '继续填写', '不取消', '不放弃']) ||
        // 还是继续吧 / 那接着填
        (KEEPING_ON.test(text) && !GIVING_UP.test(text.replace(KEEPING_ON, '')))));
  if (!keep) return false;
  turn.reask(dialog, node, `好的，我们继续${dialog.title}。`);
  return true;
}

/** 那能不能先留个言 while the message is being taken: yes, and the question again in other words. */
export function alreadyUnderway(turn: FormTurn, dialog: DialogDefinition, node: WaitingNode): void {
  turn.reask(dialog, node, `没问题，这就为您办理${dialog.title}。`);
}

/** Says why a refused answer is needed and asks again; refusing every time leads to `onFail`. */
export function declined(turn: FormTurn, dialog: DialogDefinition, node: WaitingNode): void {
  const { frame } = turn;
  frame.retries += 1;
  if (frame.retries > node.maxRetries) {
    frame.retries = 0;
    turn.goTo(node.onFail);
    return;
  }
  const what = node.label ?? '这项信息';
  turn.reask(
    dialog,
    node,
    `理解您的顾虑。${what}只用于办理本次${dialog.title}，我们会严格保密；确实不方便的话，也可以回复「转人工」由客服专员为您办理。`,
  );
}

/** A story told instead of the answer: noted (in the ticket's story), then the same question. */
export function tookStory(
  turn: FormTurn,
  dialog: DialogDefinition,
  node: WaitingNode,
  story: MoreAnswers,
): void {
  Object.assign(turn.frame.slots, story.slots);
  const storyLabel = storySlotOf(dialog)?.label;
  const lead =
    story.labels.length === 1 && story.labels[0] === storyLabel
      ? `好的，您说的情况我已记录在${storyLabel}里。`
      : `好的，${story.labels.join('、')}已记录。`;
  turn.reask(dialog, node, lead);
}

/**
 * A request the form cannot serve (look into the account, an unclear question): say so, then ask
 * the same question again; not counted as a wrong answer.
 */
export function digress(
  turn: FormTurn,
  dialog: DialogDefinition,
  node: WaitingNode,
  text: string,
): void {
  const reply = isAccountLookup(text)
    ? '抱歉，我这里看不到您的账户数据，没法为您查询持仓、资金或委托，您可以登录{firm.appName}查看。'
    : `这个问题我没能确定怎么回答，${dialog.title}完成后您可以再问我，或回复「转人工」。`;
  turn.reask(
    dialog,
    node,
    renderDialogText(`${reply}我们先继续刚才的${dialog.title}。`, {}, turn.env.firm),
  );
}

/** The answers typed into the forms in progress, as slots of the handoff dialog that follows. */
export function carriedAnswers(env: DialogEnvironment, state: DialogState): Record<string, string> {
  const carried: Record<string, string> = {};
  for (const frame of [...state.stack, ...(state.frame ? [state.frame] : [])]) {
    const dialog = env.dialogs.get(frame.dialogId);
    if (!dialog || !hasTypedAnswers(dialog, frame.slots)) continue;
    for (const field of collectedFields(dialog, frame.slots)) {
      carried[field.slot] = frame.slots[field.slot] ?? field.value;
      const label = frame.slots[`${field.slot}_label`];
      if (label !== undefined) carried[`${field.slot}_label`] = label;
    }
    carried[CARRIED_FROM] = dialog.id;
  }
  return carried;
}

/** What a handoff from this frame hands on: a carried form's answers, or its own dialog's. */
export function collectedFor(
  env: DialogEnvironment,
  frame: DialogFrame,
): { title: string; fields: CollectedField[] } | null {
  const dialog = env.dialogs.get(frame.slots[CARRIED_FROM] ?? frame.dialogId);
  if (!dialog) return null;
  const fields = collectedFields(dialog, frame.slots);
  return fields.length > 0 ? { title: dialog.title, fields } : null;
}

/**
 * The slots the leave-message form starts with when the desk offers it (its data: why, when,
 * offer), plus the answers the customer already gave; null when the desk queued the customer.
 */
export function leaveMessageSlots(
  env: DialogEnvironment,
  frame: DialogFrame,
  data: Readonly<Record<string, string>>,
): Record<string, string> | null {
  if (data.leaveMessage !== 'yes' || !env.dialogs.has(env.policy.leaveMessageDialog)) return null;
  const slots: Record<string, string> = {};
  for (const field of collectedFor(env, frame)?.fields ?? [])
    slots[field.slot] = frame.slots[field.slot] ?? field.value;
  const { leaveMessage: _offered, ...desk } = data;
  return { ...slots, ...desk };
}
