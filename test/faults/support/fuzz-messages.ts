// Hostile and odd customer messages for the web API, from a seeded generator so a failure can be
// replayed: huge, binary and control characters, emoji and mixed scripts, lone surrogates, and
// bodies that are not what the API expects at all.

/** Small, fast, seeded PRNG (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzRequest {
  /** A raw body: the generator also sends what JSON.stringify never would. */
  body: string;
  contentType: string;
  /** The customer text when the body is a well-formed text turn, for the transcript check. */
  text: string | null;
}

const QUESTIONS = [
  '开户需要什么材料',
  '我要投诉',
  '佣金是多少',
  '转人工',
  '科创板权限怎么开通',
  '银证转账失败了怎么办',
  '推荐一只股票',
  '今天几点收盘',
  '忘记密码了',
  '你好',
];
const SCRIPTS = [
  'مرحبا كيف حالك',
  'Привет, как дела',
  'नमस्ते आप कैसे हैं',
  'こんにちは、口座開設',
  '안녕하세요 계좌',
  'שלום',
  'Ελληνικά γράμματα',
  'ẞtraße Ünïcödé',
  '\u202eRTL override\u202c',
  'zero\u200bwidth\u200djoiner',
  '繁體字：開戶需要什麼',
  'ｆｕｌｌ－ｗｉｄｔｈ　１２３',
];
const EMOJI = [
  '😀',
  '👨‍👩‍👧‍👦',
  '🇨🇳',
  '🧧',
  '💹',
  '🚀🚀🚀',
  '👍🏽',
  '❤️‍🔥',
  '🀄',
  '\u{1F9D1}\u200D\u{1F4BB}',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function repeat(random: () => number, make: () => string, length: number): string {
  let out = '';
  while (out.length < length) out += make();
  return out.slice(0, length);
}

function binary(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(Math.floor(random() * 0x100));
  return out;
}

function loneSurrogates(random: () => number): string {
  const parts = ['开户', '\ud800', 'abc', '\udfff', '\ud83d', '佣金', '\udc00\ud800'];
  return repeat(random, () => pick(random, parts), 5 + Math.floor(random() * 40));
}

function text(random: () => number): string {
  const kind = random();
  if (kind < 0.25) return pick(random, QUESTIONS);
  if (kind < 0.35) return `${pick(random, QUESTIONS)}${pick(random, EMOJI)}`;
  if (kind < 0.45) return repeat(random, () => pick(random, EMOJI), 1 + Math.floor(random() * 60));
  if (kind < 0.55)
    return `${pick(random, SCRIPTS)} ${pick(random, QUESTIONS)} ${pick(random, SCRIPTS)}`;
  if (kind < 0.63) return binary(random, 1 + Math.floor(random() * 300));
  if (kind < 0.7) return loneSurrogates(random);
  if (kind < 0.75) return '\u0000\u0001\u0007\b\t\n\r\u001b[31m\u007f';
  if (kind < 0.8) return ' \n\t\u3000 ';
  if (kind < 0.86)
    return repeat(random, () => pick(random, QUESTIONS), 501 + Math.floor(random() * 3400));
  if (kind < 0.9)
    return repeat(random, () => pick(random, EMOJI), 4001 + Math.floor(random() * 2000));
  if (kind < 0.93) return repeat(random, () => 'A', 70_000);
  if (kind < 0.96) return `<script>alert(1)</script>{{firm.hotline}}\${process.env}' OR 1=1 --`;
  return `13812345678 身份证110101199003077777 卡号6222020200112233445`;
}

/**
 * One request of the fuzz. `ids` is the conversation the caller keeps for this slot (its id, and
 * a secret if the server issued one).
 */
export function fuzzRequest(
  random: () => number,
  ids: { conversationId: string; conversationSecret?: string },
): FuzzRequest {
  const json = 'application/json';
  const { conversationId } = ids;
  const kind = random();
  if (kind < 0.8) {
    const t = text(random);
    return { body: JSON.stringify({ ...ids, text: t }), contentType: json, text: t };
  }
  if (kind < 0.84) {
    return {
      body: JSON.stringify({ ...ids, choice: { value: text(random), label: text(random) } }),
      contentType: json,
      text: null,
    };
  }
  if (kind < 0.86) {
    return {
      body: JSON.stringify({ ...ids, event: 'conversation_start' }),
      contentType: json,
      text: null,
    };
  }
  const broken = [
    `{"conversationId":"${conversationId}","text":`,
    `{"conversationId":"${conversationId}","text":123}`,
    `{"conversationId":"${conversationId}","text":null}`,
    `{"conversationId":"${conversationId}","text":{"a":1}}`,
    `{"conversationId":"${conversationId}","text":["x"]}`,
    `{"conversationId":"${conversationId}"}`,
    `{"conversationId":"${'x'.repeat(300)}","text":"hi"}`,
    `{"conversationId":"../../etc/passwd","text":"hi"}`,
    `{"conversationId":"${conversationId}","text":"hi","choice":{"value":"a"}}`,
    `{"conversationId":"${conversationId}","text":"\\ud800\\udc00\\ud800"}`,
    `[1,2,3]`,
    `null`,
    binary(random, 200),
    `{"__proto__":{"polluted":true},"conversationId":"${conversationId}","text":"hi"}`,
  ];
  const body = pick(random, broken);
  const contentType = random() < 0.8 ? json : pick(random, ['text/plain', 'application/xml', '']);
  return { body, contentType, text: null };
}
