// How the customer feels, read from cues a human agent would notice: frustration (repeats, 怎么还,
// 人呢, !!!), age or difficulty (我年纪大了, 眼神不好, 不会弄), worry about their money's safety.
// The bot answers these with an acknowledgement, simpler help and a person offered early.

export interface ToneCues {
  frustrated: boolean;
  elderly: boolean;
  /** Fears for the safety of their money or holdings (倒闭了钱咋办). */
  worried: boolean;
  /** Calls out for a person (人呢, 有没有人, 真人呢): the way to one is said every time. */
  callsForPerson: boolean;
}

const CALLS_FOR_PERSON =
  /人呢|有没有人(?!工)|有人吗|有人在吗|人工呢|真人呢|客服呢|找个人|找个真人/u;

// 有没有人 calls out into silence; 有没有人工 (在) only asks whether a person is on duty.
const FRUSTRATION =
  /[!！]{2,}|[?？]{3,}|怎么还|还没(?:好|到|解决|回)|人呢|有没有人(?!工)|到底(?:有没有|还要|要等|能不能|行不行|管不管|怎么回事|搞什么|在干)|搞什么|什么破|破(?:系统|app|软件)|垃圾|太慢了|气死|无语|急死|烦死|说了多少遍|我都说了|说了半天|没用的?机器人|答非所问|听不懂人话|你们(?:怎么|到底)|等了(?:半天|好久|很久)|不靠谱|太差了?|耽误我/iu;
export const ELDERLY =
  /年纪大|岁数大|上了年纪|老年人|老人家|老头子?|老太太?|眼神不好|眼睛不好|眼花|看不清|不太?会弄|不太?会用|不太?会操作|弄不来|搞不懂|记不住|记不清这么多|太复杂了|学不会|看不懂|不懂(?:手机|电脑|操作|这些|智能)|字太小|我(?:都|今年|已经)?(?:[六七八九]十[一二三四五六七八九]?|[6-9][0-9])多?岁|[六七八九]十多岁了|退休了|老了/u;
const WORRY =
  /(?:倒闭|破产|跑路|卷款|出事|暴雷|爆雷)|(?:钱|资金|资产|股票|存款|本金).{0,8}(?:安全吗|安不安全|没了|会不会没|丢了|有保障吗|有没有保障|被挪用|拿不回)/u;

/** Feelings said on their own (我好怕, 急死了): they colour the question, they do not ask one. */
export const FEELING =
  /^(?:我|真的?|好|太|有点|特别)*(?:怕|害怕|担心|着急|急|慌|紧张|烦|郁闷|难受|崩溃)(?:死了|得很|了|啊|呀)*$/u;

/** Cues in one message; `previous` is the customer's previous message (normalised). */
export function readTone(text: string, normalized: string, previous: string): ToneCues {
  const repeated = previous.length >= 4 && normalized === previous;
  return {
    frustrated: repeated || FRUSTRATION.test(text),
    // 我八十了 reads as 我八十岁了 once normalised.
    elderly: ELDERLY.test(text) || ELDERLY.test(normalized),
    worried: WORRY.test(text),
    callsForPerson: CALLS_FOR_PERSON.test(text),
  };
}
