// Giving up on a form, said in a sentence: 唉算了算了 不投了 跟你说也没用 / 不弄了，没意思. Short
// commands (取消 / 算了) are read by the interpreter; these are the longer ways customers say it.
// Declining one question (不想说 / 不方便) is not giving up: that is the form's declined flow.
import { simplifiedScript } from './answers.ts';

// Words around a clause that do not change it (唉, 那, 好吧, 我还是).
const LEAD = '(?:唉|哎|哎呀|唉呀|嗨|嗯|哦|呃|那|那就|好吧|行吧|行|算了|我|那我|我还是|还是|就)*';
const TAIL = '(?:了|吧|啦|啊|呀|哈|嘛|哦|算了)*';
// A clause that says nothing but "I give up (this form)".
const GIVING_UP_CLAUSE = new RegExp(
  `^${LEAD}(?:算了|罢了|拉倒|放弃|取消|不用了|不投诉|` +
    '不(?:投诉|投|办|弄|登记|留言|留|填|要|搞|提|问|说|等|排)了|' +
    '不想(?:投诉|投|弄|填|登记|搞|提|办)了|' +
    `懒得(?:投诉|投|弄|填|说|搞|理|跟你说)(?:了)?)${TAIL}$`,
  'u',
);
// A clause of resignation that adds no answer (跟你说也没用, 没意思, 浪费时间).
const RESIGNED_CLAUSE = new RegExp(
  `^${LEAD}(?:(?:跟你|和你|给你|同你|对你)?(?:们)?(?:说|讲|投诉|反映)?(?:了)?(?:也|都)?(?:没用|没有用|白说|白搭|没啥用|没什么用)|` +
    '(?:真|太|好)?没意思|浪费(?:我的?)?时间|(?:太|真)?麻烦|麻烦死|烦死|无所谓|随便|不指望|指望不上|' +
    `唉|哎|哎呀|嗯|好吧|行吧|就这样)${TAIL}$`,
  'u',
);
// 不放弃 / 继续 in the same message keeps the form.
const KEEPING_ON = /不(?:放弃|取消)|继续|接着/u;
const CLAUSE_BREAK = /[\s，,。.!！?？~～、;；…]+/u;

function clausesOf(text: string): string[] {
  return simplifiedScript(text)
    .split(CLAUSE_BREAK)
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/** The whole message gives up: giving-up and resigned clauses only (唉算了 不投了 说了也白说). */
export function givesUp(text: string): boolean {
  const clauses = clausesOf(text);
  if (clauses.length === 0 || KEEPING_ON.test(simplifiedScript(text))) return false;
  const giving = clauses.filter((c) => GIVING_UP_CLAUSE.test(c));
  return (
    giving.length > 0 && clauses.every((c) => GIVING_UP_CLAUSE.test(c) || RESIGNED_CLAUSE.test(c))
  );
}

/**
 * One clause of the message gives up (算了不投了 我自己找营业部去): read only where the message
 * answers nothing of what was asked, so a name or a number beside it is never dropped.
 */
export function givesUpAmongOther(text: string): boolean {
  if (KEEPING_ON.test(simplifiedScript(text))) return false;
  return clausesOf(text).some((c) => GIVING_UP_CLAUSE.test(c));
}

/** The giving up comes with frustration (跟你说也没用): worth acknowledging before the question. */
export function soundsResigned(text: string): boolean {
  return clausesOf(text).some((c) => RESIGNED_CLAUSE.test(c) && !/^(?:嗯|好吧|行吧)$/u.test(c));
}
