// A web chat customer over the public REST API (POST/GET /api/web/messages), as the widget is one:
// it keeps whatever conversation id (and secret) the server hands back, and reads the whole
// history by following the cursor.
import { request } from 'undici';

export interface Said {
  status: number;
  ms: number;
  texts: string[];
}

export interface HistoryLine {
  direction: string;
  text: string;
  seq?: number;
}

export class WebChatClient {
  private secret: string | undefined;

  constructor(
    /** Where the bot answers; a restarted bot may listen elsewhere. */
    public baseUrl: string,
    public conversationId: string,
  ) {}

  async say(text: string): Promise<Said> {
    const started = Date.now();
    const response = await request(`${this.baseUrl}/api/web/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        conversationId: this.conversationId,
        text,
        ...(this.secret ? { conversationSecret: this.secret } : {}),
      }),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const body = (await response.body.json().catch(() => ({}))) as {
      conversationId?: string;
      conversationSecret?: string;
      messages?: { text?: string }[];
    };
    if (response.statusCode === 200) {
      if (typeof body.conversationId === 'string') this.conversationId = body.conversationId;
      if (typeof body.conversationSecret === 'string') this.secret = body.conversationSecret;
    }
    return {
      status: response.statusCode,
      ms: Date.now() - started,
      texts: (body.messages ?? []).map((m) => String(m.text ?? '')),
    };
  }

  /** Every visible line of the conversation, oldest first. */
  async history(): Promise<HistoryLine[]> {
    const lines: HistoryLine[] = [];
    let after = 0;
    for (;;) {
      const query = new URLSearchParams({
        conversationId: this.conversationId,
        after: String(after),
      });
      if (this.secret) query.set('conversationSecret', this.secret);
      const response = await request(`${this.baseUrl}/api/web/messages?${query}`);
      if (response.statusCode !== 200) {
        throw new Error(`history answered ${response.statusCode}: ${await response.body.text()}`);
      }
      const body = (await response.body.json()) as { messages: HistoryLine[]; cursor: number };
      lines.push(...body.messages);
      if (body.cursor <= after) return lines;
      after = body.cursor;
    }
  }
}

/** The complaint form, step by step: what the customer says and a word of the bot's next question. */
export const COMPLAINT_STEPS: { say: string; expect: string }[] = [
  { say: '我要投诉', expect: '姓名' },
  { say: '张三', expect: '手机号码' },
  { say: '13812345678', expect: '资金账号' },
  { say: '跳过', expect: '什么时候' },
  { say: '昨天下午3点', expect: '投诉类别' },
  { say: '收费', expect: '事情经过' },
  { say: '佣金比开户时约定的高了很多', expect: '如何处理' },
  { say: '退还多收的佣金并回电说明', expect: '是' },
  { say: '是', expect: '工单号' },
];

export const BUSY = '请稍后再试';

/** What the complaint form asks, most advanced first (the summary repeats earlier fields). */
const COMPLAINT_PROMPTS: { marker: string; answer: string | null }[] = [
  { marker: '工单号', answer: null },
  { marker: '核对您的投诉信息', answer: '是' },
  { marker: '如何处理', answer: '退还多收的佣金并回电说明' },
  { marker: '事情经过', answer: '佣金比开户时约定的高了很多' },
  { marker: '投诉类别', answer: '收费' },
  { marker: '什么时候', answer: '昨天下午3点' },
  { marker: '资金账号', answer: '跳过' },
  { marker: '手机号码', answer: '13812345678' },
  { marker: '姓名', answer: '张三' },
];

/** How far along the form a bot message is: 0 = asks the name ... 8 = ticket filed; -1 = other. */
export function complaintStage(botText: string): number {
  const index = COMPLAINT_PROMPTS.findIndex((p) => botText.includes(p.marker));
  return index < 0 ? -1 : COMPLAINT_PROMPTS.length - 1 - index;
}

/** The customer's answer to the form's question in `botText`; null once the ticket is filed. */
export function complaintAnswer(botText: string): string | null {
  const prompt = COMPLAINT_PROMPTS.find((p) => botText.includes(p.marker));
  return prompt ? prompt.answer : '我要投诉';
}

/** The ticket id in a bot reply, if it announces one. */
export function ticketIdIn(text: string): string | null {
  return /工单号：((?:TS|CB)\d{8}-\d{4,})/.exec(text)?.[1] ?? null;
}
