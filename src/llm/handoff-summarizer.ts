// The handoff summary an agent reads first: what the customer wants, what the bot already tried,
// and the customer's mood, written from the masked transcript the desk receives anyway.
import type { HandoffSummarizer } from '../core/llm-ports.ts';
import type { GuardedChat, PromptMessage } from './chat-client.ts';

// The end of a long conversation matters most; the full transcript is attached to the thread.
const MAX_TRANSCRIPT_CHARS = 6000;
const MAX_SUMMARY_CHARS = 300;

export const SUMMARY_SYSTEM_PROMPT = [
  '你是证券公司客服主管的助手。客户即将转给人工客服，请根据聊天记录为接手的客服写一段摘要。',
  '固定输出三行：',
  '诉求：客户想问什么或办什么',
  '已尝试：机器人已经答复或办理了什么，结果如何',
  '情绪：客户的情绪（如平静、着急、不满、愤怒）和需要特别注意的地方',
  '每行不超过60字。只依据聊天记录，不要编造；不要写出任何证件号、手机号、银行卡号或账号。',
].join('\n');

export function summaryPrompt(reasonText: string, transcriptText: string): string {
  const transcript =
    transcriptText.length > MAX_TRANSCRIPT_CHARS
      ? `……（前文省略）\n${transcriptText.slice(-MAX_TRANSCRIPT_CHARS)}`
      : transcriptText;
  return `转人工原因：${reasonText}\n\n聊天记录：\n${transcript}`;
}

export function createHandoffSummarizer(deps: {
  chat: GuardedChat;
  timeoutMs: number;
  log: (message: string) => void;
}): HandoffSummarizer {
  return {
    async summarize({ transcriptText, reasonText }) {
      const messages: PromptMessage[] = [
        { role: 'system', content: SUMMARY_SYSTEM_PROMPT },
        { role: 'user', content: summaryPrompt(reasonText, transcriptText) },
      ];
      const completion = await deps.chat.complete(messages, deps.timeoutMs);
      if (!completion.ok) {
        deps.log(`llm: no handoff summary: ${completion.reason}`);
        return null;
      }
      const text = completion.text.trim();
      if (!text) return null;
      return [...text].length > MAX_SUMMARY_CHARS
        ? `${[...text].slice(0, MAX_SUMMARY_CHARS).join('')}…`
        : text;
    },
  };
}
