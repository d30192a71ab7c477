// Replies in the script the customer writes: a customer who writes traditional characters is
// answered in traditional, with Hong Kong forms when they write Cantonese or HK vocabulary, Taiwan
// forms for Taiwan vocabulary, and standard traditional otherwise.
import { Converter } from 'opencc-js';

export type Script = 'simplified' | 'hk' | 'tw' | 'traditional';

type Convert = (text: string) => string;
let toSimplifiedChars: Convert | undefined;
let toTraditionalChars: Convert | undefined;
const outbound = new Map<Exclude<Script, 'simplified'>, Convert>();

function t2s(text: string): string {
  toSimplifiedChars ??= Converter({ from: 't', to: 'cn' }) as Convert;
  return toSimplifiedChars(text);
}

function s2t(text: string): string {
  toTraditionalChars ??= Converter({ from: 'cn', to: 't' }) as Convert;
  return toTraditionalChars(text);
}

// Words only Hong Kong / Macau customers use (Cantonese particles and HK brokerage terms).
const HK_CUES =
  /[唔嘅咗冇咩㗎喺嚟啲佢睇搵攞畀噉嗰哋]|點樣|點解|得唔得|係咪|幾時|幾多|邊度|戶口|收市|開市|而家|琴日|聽日|唔該|銀包|牌價|孖展/u;
// Words Taiwan customers use where mainland and HK customers say something else.
const TW_CUES =
  /帳號|帳戶|網路|軟體|資訊|登入|簡訊|行動電話|手機號碼|股票帳戶|券商APP|營業員|證券戶|下載點/u;

/**
 * The script of a message: traditional when more of its characters change from traditional to
 * simplified than the other way round. Messages without Chinese characters tell nothing (null).
 */
export function detectScript(text: string): Script | null {
  if (!/[\u3400-\u9fff]/u.test(text)) return null;
  let traditional = 0;
  let simplified = 0;
  const asSimplified = t2s(text);
  const asTraditional = s2t(text);
  const chars = Array.from(text);
  const sChars = Array.from(asSimplified);
  const tChars = Array.from(asTraditional);
  for (let i = 0; i < chars.length; i++) {
    if (sChars.length === chars.length && sChars[i] !== chars[i]) traditional++;
    if (tChars.length === chars.length && tChars[i] !== chars[i]) simplified++;
  }
  if (traditional === 0 && simplified === 0) return null;
  // Cantonese with any traditional character is written in Hong Kong's script, whatever else
  // converts (唔該晒: 晒 is also the simplified form of 曬).
  if (traditional > 0 && HK_CUES.test(text)) return 'hk';
  if (traditional <= simplified) return 'simplified';
  if (HK_CUES.test(text)) return 'hk';
  if (TW_CUES.test(text)) return 'tw';
  return 'traditional';
}

/**
 * The script to answer in after this message. A message that shows no script (digits, 好的, emoji)
 * keeps the conversation's. A customer who opens in traditional is answered in traditional; one
 * who has been writing simplified switches only after two traditional messages in a row, so a
 * single pasted 上週五 does not turn the whole conversation around.
 */
export function nextScript(
  current: Script,
  text: string,
  history: { firstMessage: boolean; previousSeen: Script | null },
): Script {
  const seen = detectScript(text);
  if (seen === null || seen === 'simplified') return seen ?? current;
  if (current !== 'simplified') return seen === 'traditional' ? current : seen;
  const again = history.previousSeen !== null && history.previousSeen !== 'simplified';
  return history.firstMessage || again ? seen : current;
}

/** Text converted to the customer's script (simplified text is returned as it is). */
export function inScript(text: string, script: Script): string {
  if (script === 'simplified' || text.length === 0) return text;
  let convert = outbound.get(script);
  if (!convert) {
    const made = Converter({
      from: 'cn',
      to: script === 'hk' ? 'hk' : script === 'tw' ? 'tw' : 't',
    }) as Convert;
    outbound.set(script, made);
    convert = made;
  }
  return convert(text);
}

/**
 * Whether replies on this channel follow the customer's script. Firm setting traditionalReplies:
 * "all" (default), "none", or a comma-separated list of channel ids.
 */
export function scriptFollowsCustomer(
  firm: Readonly<Record<string, string>>,
  channel: string,
): boolean {
  const setting = (firm.traditionalReplies ?? 'all').trim();
  if (setting === 'all' || setting === '') return true;
  if (setting === 'none') return false;
  return setting
    .split(/[,，\s]+/u)
    .map((c) => c.trim())
    .includes(channel);
}
