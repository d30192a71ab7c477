// Rewrites an elliptical follow-up into a standalone question from the last lines of the
// conversation. The rewrite is only a better reading of the customer's words: it never answers,
// and the classifier, the dialogs and the compliance checks treat it like any typed question.
import type { ConversationLine, FollowUpRewriter, LlmTurnContext } from '../core/llm-ports.ts';
import type { GuardedChat, PromptMessage } from './chat-client.ts';

const CANNOT = '无法改写';
// A standalone question is short; a long reply means the model answered instead of rewriting.
const MAX_REWRITE_CHARS = 60;

export const REWRITE_SYSTEM_PROMPT = [
  '你负责理解证券公司客服对话中客户的追问。',
  '把客户最后的追问改写成一个意思完整、不依赖上下文的问题，只补全追问省略的对象或事项。',
  '不要回答问题，不要添加对话中没有的信息，保持客户的原意和语气。',
  `如果追问已经完整，或者无法判断它指什么，只输出：${CANNOT}`,
  '只输出改写后的问题本身，不要解释。',
].join('\n');

export function rewritePrompt(followUp: string, history: readonly ConversationLine[]): string {
  const lines = history.map((l) => `${l.speaker === 'customer' ? '客户' : '客服'}：${l.text}`);
  return `对话记录：\n${lines.join('\n')}\n\n客户的追问：${followUp}`;
}

/** The model's rewrite cleaned of quotes and labels; null for a refusal or a non-question. */
export function cleanRewrite(raw: string): string | null {
  const line = raw
    .trim()
    .split(/\r?\n/)
    .find((l) => l.trim() !== '');
  if (!line) return null;
  const text = line
    .replace(/^(改写后的问题|改写后|改写|问题)[:：]\s*/, '')
    .replace(/^["“「『']+|["”」』']+$/g, '')
    .trim();
  if (!text || text.includes(CANNOT) || [...text].length > MAX_REWRITE_CHARS) return null;
  return text;
}

export function createFollowUpRewriter(deps: {
  chat: GuardedChat;
  budgetMs: (context: LlmTurnContext) => number;
  log: (message: string) => void;
}): FollowUpRewriter {
  return {
    async rewrite(followUp, history, context) {
      const messages: PromptMessage[] = [
        { role: 'system', content: REWRITE_SYSTEM_PROMPT },
        { role: 'user', content: rewritePrompt(followUp, history) },
      ];
      // Half the turn's budget at most: the answer may still need the model after this.
      const completion = await deps.chat.complete(messages, Math.floor(deps.budgetMs(context) / 2));
      if (!completion.ok) {
        deps.log(
          `llm: follow-up not rewritten for ${context.conversationId}: ${completion.reason}`,
        );
        return null;
      }
      return cleanRewrite(completion.text);
    },
  };
}
