// Social phrases: a message made only of thanks, praise, acknowledgement and farewells (好的，晚安;
// 你们辛苦了，回答得挺清楚; 行，拜了个拜) is small talk whatever the classifier makes of its
// words. Read by form, piece by piece, so any combination of the pieces is understood, not a
// list of whole sentences.
import { normalizeText } from '../nlu/normalize.ts';

export type SocialAct = 'goodbye' | 'thanks' | 'greeting' | 'ack';

const PARTICLES = /[啊呀哈吧啦了哦喔噢呢嘛哟咯～~!！。.…\s]+$/u;

const FAREWELL =
  /^(?:再见|再会|拜了个拜|拜拜|拜|掰掰|bye(?:bye)?|goodbye|88|886|晚安|回见|回头见|下次见|下次再聊|改天聊|先这样|就这样|先不聊|不聊|先下|下线|先走|我走|告辞|没事|没别的事|没其他事|没有其他问题|没问题|没有了|就这些|祝你?(?:工作顺利|生活愉快|周末愉快|好运))/iu;

const THANKS =
  /^(?:谢谢|多谢|感谢|谢啦|谢了|thx|thanks|thankyou|3q|辛苦|麻烦你|有劳|你们(?:真|挺|很|太)?(?:辛苦|棒|好|厉害|专业|耐心)|你(?:真|挺|很|太)(?:棒|好|厉害|专业|耐心)|你辛苦|(?:回答|说|讲|解释)得?(?:挺|很|真|蛮|非常|特别|太)?(?:清楚|好|明白|详细|专业|到位)|(?:挺|很|真|蛮|非常|太)?(?:专业|耐心|给力|靠谱|贴心)|点赞|好评)/iu;

const ACK =
  /^(?:好|好的|好吧|好嘞|好滴|行|行吧|嗯+|嗯呢|哦+|噢+|ok|okay|可以|知道了|明白了?|了解了?|收到|懂了|清楚了|原来如此|那就这样)$/iu;

/**
 * The social act a message performs when every piece of it is social, or null. A farewell
 * anywhere makes it a goodbye (谢谢，再见); otherwise thanks or praise make it thanks. A message
 * with any other piece (好的，那开户呢) is not social.
 */
export function readSocial(text: string): SocialAct | null {
  const pieces = normalizeText(text)
    .split(/[，,、；;。.!！?？\s]+/u)
    .map((p) => p.replace(PARTICLES, ''))
    .filter((p) => p.length > 0);
  if (pieces.length === 0) return null;
  let farewell = false;
  let thanks = false;
  let greeting = false;
  for (const piece of pieces) {
    if (piece.length > 12) return null;
    if (ACK.test(piece)) continue;
    if (GREETING.test(piece)) {
      greeting = true;
      continue;
    }
    // A piece is social when social words and their fillers use it up: 多谢多谢, 谢谢你啦再见.
    let rest = piece;
    let social = false;
    while (rest.length > 0) {
      const bye = FAREWELL.exec(rest);
      const thank = bye ? null : THANKS.exec(rest);
      const ack = bye || thank ? null : ACK_WORD.exec(rest);
      const filler = bye || thank || ack ? null : SOCIAL_FILLER.exec(rest);
      const m = bye ?? thank ?? ack ?? filler;
      if (!m || m[0].length === 0) return null;
      if (bye) farewell = true;
      if (thank) thanks = true;
      social ||= !!(bye ?? thank ?? ack);
      rest = rest.slice(m[0].length);
    }
    if (!social) return null;
  }
  if (farewell) return 'goodbye';
  if (thanks) return 'thanks';
  if (greeting) return 'greeting';
  return 'ack';
}

/** A hello and nothing more (你好, 在吗, 有人吗): the greeting, not a question about the bot. */
const GREETING =
  /^(?:你好|您好|你们好|大家好|哈喽|哈啰|嗨|hi|hello|hey|早上好|上午好|中午好|下午好|晚上好|早|在吗|在不在|有人吗|有人在吗|客服在吗|小[安智]在吗)(?:啊|呀|哈|呢|吗|哦)*$/iu;

/** Words of plain acknowledgement inside a piece (哦哦好吧, 嗯嗯好的). */
const ACK_WORD =
  /^(?:好的|好吧|好嘞|好滴|好|行吧|行|嗯+|哦+|噢+|喔+|ok|okay|可以|明白了?|知道了|了解了?|收到|懂了)/iu;

/** What may stand between social words in a piece: 谢谢你啦, 辛苦了, 再见啦, 谢谢小安. */
const SOCIAL_FILLER =
  /^(?:了|你们?|您|客服|小[安智]|啦|喽|咯|哈|呀|啊|哦|一下|大家|各位|[啊呀哈吧啦了哦喔噢呢嘛哟咯～~]+)/u;
