// Several questions in one message: split it into clauses a human agent would answer one by one.
// Splits at sentence ends and at 还有 / 另外 / 顺便 / 以及; drops greetings and prefaces in front
// (你好，我想问一下…) so they neither become a question of their own nor hide the real one.
import { normalizeText } from '../nlu/normalize.ts';

// Sentence ends; the Chinese comma splits only between two questions (see splitCommas).
const SENTENCE_END = /[。！？!?；;\n]+/u;
const CONNECTOR =
  /[，,、\s]*(?:还有(?:就是)?|另外|顺便(?:问一?下|问问|说一?下)?|以及|此外|再问(?:一?下|个问题)?|还想问(?:一?下)?|还要问(?:一?下)?|同时)[，,：:\s]*/gu;
const GREETING =
  /^(?:你好|您好|你们好|hi|hello|hey|哈喽|嗨|喂|在吗|在不在|有人吗|客服(?:你好|您好)?|小[\u4e00-\u9fa5]{1,2}(?:你好|您好))[呀啊哈呢吗]*[，,！!。.~～\s]*/iu;
const PREFACE =
  /^(?:(?:好吧|好的|好|嗯+|哦+|行|那好|ok|okay)[，,\s]+|(?:再|还|另外)?(?:问|咨询)(?:一下|下)?[一两二三四五几]个(?:事|事情|问题)(?:啊|哈)?|请问(?:一?下)?|我想(?:问|咨询|了解)(?:一?下)?|想(?:问|咨询|了解)(?:一?下)?|(?:问|咨询|了解)(?:一?下)|麻烦(?:问|咨询)?(?:一?下)?|打扰(?:一?下)?|不好意思|我忘了问|忘了问|还忘了问|对了|那个|就是)[，,：:\s]*/u;
// Words that make a clause a question on its own (几个 / 几天 are as often quantities as questions;
// 贵不贵 / 行不行 ask).
const ASKS =
  /[吗呢么嘛？?]|什么|怎么|怎样|如何|多少|几点|(?:最少|最多|至少|起码|一次|一手|单笔).{0,4}几|几[股手]|(\p{Script=Han})不\1|哪|能不能|可不可以|是不是|有没有|要不要|会不会|为什么|为啥|咋|啥|能否|可否|是否|多久|多长/u;

/** The words ask something, in Mandarin or as Cantonese and traditional writing say it (點樣, 幾多). */
function asks(text: string): boolean {
  return ASKS.test(text) || ASKS.test(normalizeText(text));
}

/** At most this many questions are answered from one message. */
export const MAX_CLAUSES = 3;

/** The clauses of a message, greetings and prefaces removed; the message itself when unsplittable. */
export function splitClauses(message: string): string[] {
  const text = message.trim();
  if (text.length === 0) return [];
  const pieces: string[] = [];
  for (const sentence of attachStatements(text.split(SENTENCE_END)).flatMap(enumeration)) {
    for (const part of sentence.split(CONNECTOR)) {
      const clean = strip(part);
      if (clean) pieces.push(...splitCommas(clean));
    }
  }
  if (pieces.length === 0) {
    // Only a greeting or a preface: that is what the customer said.
    return [text];
  }
  return pieces;
}

/**
 * 怎么还没到账！！！我都转了两个小时了！！！ is one question and the story around it: a sentence that
 * asks nothing (and starts no new request with 另外 / 还有) belongs to the question next to it, so
 * the question is read with its context and the story is not answered on its own.
 */
function attachStatements(sentences: readonly string[]): string[] {
  const out: string[] = [];
  const parts = sentences.map((p) => p.trim()).filter(Boolean);
  let pending = '';
  for (const part of parts) {
    const core = strip(part);
    const statement = core.length > 0 && !asks(core) && !STARTS_REQUEST.test(part);
    const last = out.length - 1;
    if (statement && last >= 0 && asks(out[last] as string)) {
      out[last] = `${out[last]}，${part}`;
    } else if (statement && parts.some((p) => asks(strip(p)))) {
      // Before the question it tells: carried into the next sentence.
      pending = pending ? `${pending}，${part}` : part;
    } else {
      out.push(pending ? `${pending}，${part}` : part);
      pending = '';
    }
  }
  if (pending) out.push(pending);
  return out;
}

/** A sentence opening with a connector is a request of its own, asked or not. */
const STARTS_REQUEST = /^[\s，,]*(?:还有|另外|顺便|以及|此外|再问|还想|还要|同时|对了)/u;

/** 问三个事：几点开盘、印花税多少、客服电话 - a list after a colon is one question per item. */
function enumeration(sentence: string): string[] {
  const colon = sentence.search(/[：:]/u);
  if (colon < 0) return [sentence];
  const items = sentence
    .slice(colon + 1)
    .split(/[、，,]/u)
    .map((i) => i.trim())
    .filter(Boolean);
  return items.length >= 2 ? items : [sentence];
}

function strip(part: string): string {
  let s = part.trim();
  for (let i = 0; i < 3; i++) {
    const before = s;
    s = s.replace(GREETING, '').replace(PREFACE, '').trim();
    if (s === before) break;
  }
  return s.replace(/^[，,、：:\s]+|[，,、\s]+$/gu, '');
}

/**
 * "科创板要什么条件，创业板呢" is two questions; "我的账户，登不上去了" is one. A comma (or a space
 * between words) splits only when the parts on both sides ask something.
 */
function splitCommas(clause: string): string[] {
  // On a phone a space is the comma: 两融开通要啥条件 利息多少啊.
  const parts = clause
    .split(/[，,]|(?<=\p{Script=Han})\s+(?=\p{Script=Han})/u)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length < 2) return [clause];
  const out: string[] = [];
  let current = '';
  for (const part of parts) {
    const joined = current ? `${current}，${part}` : part;
    if (current && asks(current) && asks(part) && part.length >= 3) {
      out.push(current);
      current = strip(part);
    } else current = joined;
  }
  if (current) out.push(current);
  return out;
}
