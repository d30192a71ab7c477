// What one message says beyond the question asked. 我叫周敏 电话139… 去年十月在南山营业部… answers
// the name, and the phone, the time and the story too; 就是网上开的 上周四提交的 到现在没动静 at the
// name question is the story. A good agent takes all of it and does not ask for it again; the
// story always lands in the ticket (added to what the customer told before, never replacing it).
import type { Entity } from '../nlu/types.ts';
import { simplifiedScript } from './answers.ts';
import {
  asksSomething,
  isAccountLookup,
  optionNamedIn,
  slotNodes,
  storyOf,
  type SlotNode,
} from './form.ts';
import { parsePhone } from './phone.ts';
import { findWhen } from './slots.ts';
import type { DialogDefinition, WaitingNode } from './types.ts';

/** Slots a message fills besides its answer, with the labels to acknowledge them by. */
export interface MoreAnswers {
  slots: Record<string, string>;
  labels: string[];
  /** The answer itself, narrowed to its part when the rest went elsewhere (上周三 of a story). */
  answer?: string;
}

// A phone number with the words that introduce it (电话13912345678 / 手机是 139 1234 5678).
const PHONE_SPAN =
  /(?:(?:我的|我)?(?:联系)?(?:电话|手机|手机号|号码|联系方式)(?:号码|号)?(?:是|为)?[:：\s]*)?[+＋]?[\d０-９][\d０-９\s\-–—()（）]{5,}[\d０-９]/gu;
const NAME_LEAD = '(?:我叫|我是|本人是?|姓名是?|名字是?|叫我|免贵姓?)?[:：\\s]*';
const SEPARATORS = /^[\s，,。.;；:：、!！]+|[\s，,。.;；:：、!！]+$/gu;
// Someone else's name or looks (the employee complained about), never the customer's own name.
const SOMEONE_ELSE =
  /(?:他|她|对方|那个|那位|这个人|那人|经理|员工|柜员|客服|工作人员|业务员|营业员)[^，。,\s]{0,4}(?:叫|姓|名字)|名字(?:我)?(?:忘了|忘记|不记得|记不|不知道|不清楚)|(?:戴|穿)(?:个|着)?(?:眼镜|衣服|工牌)/u;
// The customer says they are going on with the story (好 接着说投诉 就是…, 补充一下).
const GOING_ON = /接着说|继续说|接着讲|继续讲|补充(?:一下|一点|几句)?|还有就是|再说一下/u;
// The words that only say so, in front of the story (好 接着说投诉 / 补充一下：).
const GOING_ON_LEAD =
  /^(?:好的?|嗯|行|对了|另外)?[，,\s]*(?:接着说|继续说|接着讲|继续讲|补充(?:一下|一点|几句)?|还有就是|再说一下)(?:投诉|一下)?[，,。：:\s]*/u;
// Refusing to give something is not a story (电话就不留了 不想说).
const REFUSING =
  /不方便|不想(?:说|给|提供|留|透露)|不(?:留|给|提供|告诉)(?:了|你)?[，,。\s]|保密|隐私/u;
const CJK = /[\u3400-\u9fff]/gu;
// A password or code with its value: never kept in a story (the pipeline warns the customer).
const SECRET_VALUE = /(?:密码|验证码|口令)[^，。,]{0,12}?[A-Za-z0-9]{4,}/u;

/** The customer says the story goes on (好 接着说投诉 …): it is the story, whatever else it reads as. */
export function goesOnWithStory(text: string): boolean {
  return GOING_ON.test(simplifiedScript(text));
}

/** The free-text question a story goes to (事情经过 / 留言内容): the first one that may be pre-filled. */
export function storySlotOf(dialog: DialogDefinition): SlotNode | undefined {
  return slotNodes(dialog).find((n) => n.kind === 'ask' && n.type === 'text' && n.prefill);
}

/**
 * A message that answered `node` with `answer` may say more: a phone number, and when the rest
 * tells what happened, the time, an option it names and the story. Only questions not yet
 * answered are filled (a skipped one stays skipped); the story is added to the one already told.
 */
export function answersBeside(
  dialog: DialogDefinition,
  slots: Readonly<Record<string, string>>,
  node: WaitingNode,
  text: string,
  answer: string,
  now: string,
  entities: readonly Entity[] = [],
): MoreAnswers {
  if (node.kind === 'ask' && node.type === 'text') return withPhone(dialog, slots, node, text);
  const rest = remainder(node, text, answer, now);
  const story = storyOf(rest.text);
  const more = withPhone(dialog, slots, node, text);
  if (!story || storySlotOf(dialog) === undefined) return more;
  const told = fromStory(dialog, { ...slots, ...more.slots }, node, story, now, entities);
  return {
    slots: { ...more.slots, ...told.slots },
    labels: [...more.labels, ...told.labels],
    ...(rest.answer !== undefined ? { answer: rest.answer } : {}),
  };
}

/**
 * A message that did not answer `node` but tells the story (or describes someone else: 就记得姓刘
 * 戴个眼镜): it goes to the story, with the time and option it names; null when it tells none, or
 * asks something (a question, a look into the account) rather than telling.
 */
export function storyInstead(
  dialog: DialogDefinition,
  slots: Readonly<Record<string, string>>,
  node: WaitingNode,
  text: string,
  now: string,
  entities: readonly Entity[] = [],
): MoreAnswers | null {
  const storyNode = storySlotOf(dialog);
  if (!storyNode || !node.slot || storyNode.slot === node.slot) return null;
  const simplified = simplifiedScript(text);
  if (asksSomething(text) || isAccountLookup(text)) return null;
  if (REFUSING.test(`${simplified} `) || SECRET_VALUE.test(simplified)) return null;
  const rest = withoutPhones(text).replace(SEPARATORS, '');
  const content = (rest.match(CJK) ?? []).length;
  const told =
    storyOf(rest) ??
    ((SOMEONE_ELSE.test(simplified) && content >= 3) || (GOING_ON.test(simplified) && content >= 8)
      ? rest
      : null);
  if (!told) return null;
  const more = withPhone(dialog, slots, node, text);
  const kept = told.replace(GOING_ON_LEAD, '') || told;
  const story = fromStory(dialog, { ...slots, ...more.slots }, node, kept, now, entities);
  return { slots: { ...more.slots, ...story.slots }, labels: [...more.labels, ...story.labels] };
}

/** A phone number said beside the answer fills the phone question not yet answered. */
function withPhone(
  dialog: DialogDefinition,
  slots: Readonly<Record<string, string>>,
  node: WaitingNode,
  text: string,
): MoreAnswers {
  const more: MoreAnswers = { slots: {}, labels: [] };
  if (node.kind === 'ask' && (node.type === 'phone' || node.type === 'account')) return more;
  for (const target of fillable(dialog, slots, node)) {
    if (target.kind !== 'ask' || target.type !== 'phone') continue;
    const phone = parsePhone(text);
    if (!phone) continue;
    more.slots[target.slot] = phone.value;
    more.labels.push(labelOf(target));
  }
  return more;
}

/** The time, an option and the story itself, from what the customer told. */
function fromStory(
  dialog: DialogDefinition,
  slots: Readonly<Record<string, string>>,
  node: WaitingNode,
  story: string,
  now: string,
  entities: readonly Entity[],
): MoreAnswers {
  const more: MoreAnswers = { slots: {}, labels: [] };
  const simplified = simplifiedScript(story);
  for (const target of fillable(dialog, slots, node)) {
    if (target.kind === 'ask' && target.type === 'datetime') {
      const when = findWhen(simplified, now) ?? entityWhen(entities, story);
      if (!when) continue;
      more.slots[target.slot] = when.text;
      if (when.iso) more.slots[`${target.slot}_iso`] = when.iso;
      more.labels.push(labelOf(target));
    } else if (target.kind === 'choice' || target.type === 'choice') {
      const option = optionNamedIn(target.options, simplified);
      if (!option) continue;
      more.slots[target.slot] = option.value;
      more.slots[`${target.slot}_label`] = option.label;
      more.labels.push(labelOf(target));
    }
  }
  const storyNode = storySlotOf(dialog);
  if (storyNode) {
    const before = slots[storyNode.slot];
    const after = !before ? story : before.includes(story) ? before : `${before}；${story}`;
    if (after !== before) {
      more.slots[storyNode.slot] = after;
      more.labels.push(labelOf(storyNode));
    }
  }
  return more;
}

/** The form's pre-fillable questions other than `node` that have no answer yet. */
function fillable(
  dialog: DialogDefinition,
  slots: Readonly<Record<string, string>>,
  node: WaitingNode,
): SlotNode[] {
  return slotNodes(dialog).filter(
    (n) => n.prefill && n.id !== node.id && n.slot !== node.slot && slots[n.slot] === undefined,
  );
}

/** A date the entity reader found inside the story (when our own span reader found none). */
function entityWhen(
  entities: readonly Entity[],
  story: string,
): { text: string; iso?: string } | null {
  const found = entities.find((e) => e.type === 'datetime' && story.includes(e.value));
  if (!found) return null;
  return found.normalized ? { text: found.value, iso: found.normalized } : { text: found.value };
}

/** The message without the answer to `node` (and without phone numbers), and the answer's part. */
function remainder(
  node: WaitingNode,
  text: string,
  answer: string,
  now: string,
): { text: string; answer?: string } {
  let rest = withoutPhones(text);
  let narrowed: string | undefined;
  if (node.kind === 'ask' && node.type === 'name' && answer) {
    rest = rest.replace(new RegExp(`${NAME_LEAD}${escaped(answer)}`, 'u'), ' ');
  } else if (node.kind === 'ask' && node.type === 'datetime') {
    const when = findWhen(simplifiedScript(rest), now);
    const at = when ? simplifiedScript(rest).indexOf(when.text) : -1;
    if (when && at >= 0 && simplifiedScript(rest).length === rest.length) {
      narrowed = rest.slice(at, at + when.text.length);
      rest = `${rest.slice(0, at)} ${rest.slice(at + when.text.length)}`;
    } else rest = '';
  } else if (node.kind === 'choice' || node.type === 'choice') {
    for (const option of node.options)
      for (const phrase of [...option.label.split(/[/／、]/), ...(option.says ?? [])])
        if (phrase.length >= 2) rest = rest.split(phrase).join(' ');
  } else if (node.type === 'account') {
    rest = rest.replace(/(?:资金账号|账号)?(?:是|为)?[:：\s]*\d(?:[\s-]?\d){5,19}/u, ' ');
  } else if (node.type !== 'phone') {
    // An amount, a stock, a yes or no: what else such an answer says is not read.
    rest = '';
  }
  rest = rest.replace(SEPARATORS, '');
  return { text: rest, ...(narrowed !== undefined && storyOf(rest) ? { answer: narrowed } : {}) };
}

function withoutPhones(text: string): string {
  return text.replace(PHONE_SPAN, (span) => (parsePhone(span) ? ' ' : span));
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}

function labelOf(node: SlotNode): string {
  return node.label ?? node.slot;
}
