// The form side of a dialog, filled the way a good agent fills it: what the customer already gave
// is never dropped (collected fields go to agents and tickets), what the opening message already
// said is taken (pre-fill), and a message that is a request rather than an answer is served first.
import { isAdviceRequest } from '../compliance/index.ts';
import { tellsMoreThanServiceTalk } from '../handoff/service-requests.ts';
import { answerKey, DEFAULT_ANSWERS, phraseKey, saysOnly, simplifiedScript } from './answers.ts';
import { parsePhone } from './phone.ts';
import { findWhen, isSkip, SKIP_VALUE } from './slots.ts';
import type {
  ChoiceOption,
  CollectedField,
  DialogDefinition,
  DialogNode,
  WaitingNode,
} from './types.ts';

/** A question that fills a slot. */
export type SlotNode = WaitingNode & { slot: string };

/** The dialog's questions that fill a slot, in file order. */
export function slotNodes(dialog: DialogDefinition): SlotNode[] {
  return Object.values(dialog.nodes).filter(
    (n: DialogNode): n is SlotNode =>
      (n.kind === 'ask' || n.kind === 'choice') && typeof n.slot === 'string' && n.slot !== '',
  );
}

function labelOf(node: SlotNode): string {
  return node.label ?? node.slot;
}

/** The answers the customer has given in this dialog, in question order, with their labels. */
export function collectedFields(
  dialog: DialogDefinition,
  slots: Readonly<Record<string, string>>,
): CollectedField[] {
  const seen = new Set<string>();
  const fields: CollectedField[] = [];
  for (const node of slotNodes(dialog)) {
    const value = slots[node.slot];
    if (seen.has(node.slot) || value === undefined || value === '' || value === SKIP_VALUE)
      continue;
    seen.add(node.slot);
    fields.push({
      slot: node.slot,
      label: labelOf(node),
      value: slots[`${node.slot}_label`] ?? value,
    });
  }
  return fields;
}

/** True when the customer typed something into this form (a free answer, not only a menu pick). */
export function hasTypedAnswers(
  dialog: DialogDefinition,
  slots: Readonly<Record<string, string>>,
): boolean {
  const typed = new Set(
    slotNodes(dialog)
      .filter((n) => n.kind === 'ask')
      .map((n) => n.slot),
  );
  return collectedFields(dialog, slots).some((f) => typed.has(f.slot));
}

/** Labels of the required questions still unanswered. */
export function missingFields(
  dialog: DialogDefinition,
  slots: Readonly<Record<string, string>>,
): string[] {
  const missing: string[] = [];
  for (const node of slotNodes(dialog)) {
    if (node.kind === 'ask' && node.optional) continue;
    const value = slots[node.slot];
    const label = labelOf(node);
    if ((value === undefined || value === '') && !missing.includes(label)) missing.push(label);
  }
  return missing;
}

// ---- messages that are not answers ------------------------------------------------------------

const QUESTION_FORM =
  /[?？]|吗|请问|怎么|怎样|如何|为什么|为何|能不能|能否|可不可以|是不是|多少|几点|几天|多久|什么时候|哪里|哪个|哪些|啥/u;
const REQUEST_FORM =
  /^(请|帮我|帮忙|麻烦|给我|告诉我|推荐|我想(问|了解|咨询|查)|我要(问|查))|帮我|查一下/u;
// First-person grievance: a complaint told as a question is still the customer's story.
const GRIEVANCE =
  /被|扣了|扣我|亏了|亏损|损失|不给|没给|不让|害我|凭什么|态度|投诉|骗|误导|乱收|多收|错了|没通知|不通知|不处理|不解决|拖着|一直没|至今|到现在/u;
const ACCOUNT_LOOKUP =
  /(查|看|告诉我|调出|报一下).{0,6}(持仓|余额|资金|可用|委托|成交|交割单|对账单|盈亏|收益|账户信息|我的账户|流水|仓位)/u;

/** A question or a request put plainly (交易时间是几点？/ 推荐一只股票), not a grievance told as one. */
export function isClearRequest(text: string, options: { questionsOnly?: boolean } = {}): boolean {
  const t = simplifiedScript(text).trim();
  if (t.length === 0 || [...t].length > 60) return false;
  const asks = QUESTION_FORM.test(t) || (!options.questionsOnly && REQUEST_FORM.test(t));
  return asks && !GRIEVANCE.test(t);
}

/**
 * The message asks something or for something: plainly, as 有没有 / 行不行, with a particle at its
 * end (能给个编号不), or as a request (我想问下 / 给我…).
 */
export function asksSomething(text: string): boolean {
  const t = simplifiedScript(text).trim();
  return (
    QUESTION_FORM.test(t) ||
    REQUEST_FORM.test(t) ||
    /想问|想了解|想咨询|咨询一下|问一下|问下|请教|([\u4e00-\u9fff])(?:不|没)\1/u.test(t) ||
    /(?:不|没|没有|么|呢)[?？!！。.\s]*$/u.test(t)
  );
}

/** Something went wrong for the customer (被扣了 / 到现在没人处理), not just the word 投诉. */
export function tellsGrievance(text: string): boolean {
  return GRIEVANCE.test(simplifiedScript(text).replace(/投诉/gu, ''));
}

/** Asking the bot to look into the customer's own account (帮我查一下持仓): it cannot. */
export function isAccountLookup(text: string): boolean {
  return ACCOUNT_LOOKUP.test(simplifiedScript(text));
}

/** A message that only calls for attention or acknowledges (在吗 / 人呢 / 好的). */
export function isFiller(text: string, phrases: readonly string[]): boolean {
  return answerKey(text) === '' || saysOnly(text, phrases);
}

/** 在吗 / 人呢 / 好的 where the customer's own words are asked for: not an answer. */
export function isFillerAt(node: WaitingNode, text: string, choice: string | null): boolean {
  if (node.kind !== 'ask' || node.type !== 'text' || choice !== null) return false;
  return isFiller(text, node.notAnswers ?? DEFAULT_ANSWERS.filler ?? []);
}

/** 不方便 / 不想给 / 没有电话 to a required question: a refusal, not another question. */
export function declines(node: WaitingNode, text: string): boolean {
  if (node.kind !== 'ask' || node.optional || node.type === 'yes_no') return false;
  return isSkip(text, null, node.skipWords ?? DEFAULT_ANSWERS.skip);
}

/** 0755-88886666 / 13812345678: a number is not what a free-text question asks for. */
export function isOnlyNumber(text: string): boolean {
  return /^[+＋]?[\d０-９][\d０-９\s\-–—()（）]*$/u.test(text.trim());
}

// ---- the opening message ----------------------------------------------------------------------

// "投诉！" / "我要投诉，" / "转人工，" in front of the story.
const LEADING_COMMAND =
  /^[\s，,。！!]*(?:我们?(?:要|想|需要|得)?)?(?:投诉|举报|转人工|找人工|人工客服|人工|留言|留个言)(?:一下)?[!！，,。.:：;；\s]*/u;
// 有没有人工在 / 人工客服在不在: asking whether a person is on duty, which tells no story.
const PERSON_ASK =
  /(?:有没有|有无|还有没有)(?:人工客服|人工服务|人工|真人)(?:在不在|在吗|在么|在|吗|么|呢|啊)*|(?:人工客服|人工服务|人工|真人)(?:还|现在)?(?:在不在|在吗|在么|在线吗|在)(?:吗|么|呢|啊)*/gu;
const LEADING_PERSON_ASK = new RegExp(`^(?:${PERSON_ASK.source})[?？!！，,。.:：\\s]*`, 'u');
// Words that tell something happened (or is wrong), so the rest is a story, not just an object.
const EVENT_WORDS =
  /了|被|没|不|错|差|慢|乱|扣|亏|损|骗|卡|闪退|失败|报错|登不上|拖|一直|还没|至今|怎么|为什么|凭什么|想问|咨询/u;
const CJK = /[\u3400-\u9fff]/gu;

/** 我要投诉 / 转人工 and nothing else: a command, not an answer to a free-text question. */
export function isBareCommand(text: string): boolean {
  return text.trim() !== '' && text.trim().replace(LEADING_COMMAND, '').trim() === '';
}

/** The story a message tells after its leading command, or null when it tells none. */
export function storyOf(text: string): string | null {
  const rest = text.trim().replace(LEADING_PERSON_ASK, '').replace(LEADING_COMMAND, '').trim();
  const simplified = simplifiedScript(rest);
  const told = simplified.replace(PERSON_ASK, '');
  if ((told.match(CJK) ?? []).length < 6 || !EVENT_WORDS.test(told)) return null;
  // 那能不能先留个言 明早让人联系我 asks for the service and tells nothing of the customer's matter.
  if (!tellsMoreThanServiceTalk(told)) return null;
  if (isAdviceRequest(simplified)) return null;
  return rest;
}

/** The option an opening message clearly names by its label or one of its phrases. */
export function optionNamedIn(options: readonly ChoiceOption[], text: string): ChoiceOption | null {
  const key = answerKey(text);
  const named = options.filter((o) =>
    [...o.label.split(/[/／、]/), ...(o.says ?? [])]
      .map(phraseKey)
      .some((phrase) => phrase.length >= 2 && key.includes(phrase)),
  );
  return named.length === 1 ? (named[0] ?? null) : null;
}

/**
 * Slots the dialog's `prefill` questions can take from the message that started it: the story
 * (free text), the time it names, a phone number, an option it names. Nothing is guessed.
 */
export function prefillFromOpening(
  dialog: DialogDefinition,
  text: string,
  now: string,
  fillers: readonly string[],
): Record<string, string> {
  const slots: Record<string, string> = {};
  const nodes = slotNodes(dialog).filter((n) => n.prefill);
  if (nodes.length === 0 || !text.trim() || isFiller(text, fillers)) return slots;
  for (const node of nodes) {
    if (slots[node.slot] !== undefined) continue;
    const type = node.kind === 'choice' ? 'choice' : node.type;
    if (type === 'text') {
      const story = storyOf(text);
      if (story) slots[node.slot] = story;
    } else if (type === 'datetime') {
      const when = findWhen(simplifiedScript(text), now);
      if (when) {
        slots[node.slot] = when.text;
        if (when.iso) slots[`${node.slot}_iso`] = when.iso;
      }
    } else if (type === 'phone') {
      const phone = parsePhone(text);
      if (phone) slots[node.slot] = phone.value;
    } else if (type === 'choice') {
      const option = optionNamedIn(node.options, simplifiedScript(text));
      if (option) {
        slots[node.slot] = option.value;
        slots[`${node.slot}_label`] = option.label;
      }
    }
  }
  return slots;
}
