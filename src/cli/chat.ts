// A terminal conversation with the bot through the same gateway every channel uses. Quick replies
// are shown as a numbered menu; typing a number picks that reply (sent as a tap, like a button).
import { createInterface } from 'node:readline';
import type { ConversationGateway } from '../core/gateway.ts';
import type { InboundContent, OutboundMessage, QuickReply } from '../core/message.ts';
import { menuShownBy, textsOfReply } from '../channels/text-menu.ts';

export interface ChatOptions {
  gateway: ConversationGateway;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Defaults to a new id per run; pass one to continue a conversation. */
  conversationId?: string;
  userId?: string;
  clock?: () => Date;
  /** Send conversation_start first so the bot greets (default true). */
  greet?: boolean;
}

export const CHAT_EXIT_COMMANDS = ['/exit', '/quit', '/q'];

/** Runs until the input ends or the customer types /exit. Resolves with the number of turns. */
export async function runChat(options: ChatOptions): Promise<number> {
  const clock = options.clock ?? (() => new Date());
  const conversationId = options.conversationId ?? `cli:${clock().getTime().toString(36)}`;
  const userId = options.userId ?? 'cli-user';
  const out = options.output;
  const rl = createInterface({ input: options.input, terminal: false });
  let menu: QuickReply[] | null = null;
  let turns = 0;

  const show = (messages: OutboundMessage[]): void => {
    // One numbered menu per reply, as on WeChat: earlier choices are listed by name.
    const texts = textsOfReply(messages);
    messages.forEach((message, index) => {
      const who = message.from === 'agent' ? '客服' : message.from === 'system' ? '系统' : '机器人';
      const text = texts[index] ?? message.text;
      out.write(`${who}: ${text.replace(/\n/g, '\n    ')}\n`);
    });
    menu = menuShownBy(messages);
  };
  const send = async (content: InboundContent): Promise<void> => {
    turns += 1;
    show(
      await options.gateway.handleInbound({
        channel: 'cli',
        conversationId,
        userId,
        receivedAt: clock().toISOString(),
        content,
      }),
    );
  };

  // Take the iterator before the first await: lines piped in while the greeting runs would be lost.
  const lines = rl[Symbol.asyncIterator]();
  out.write('（输入 /exit 结束对话；看到编号选项时可直接输入数字）\n');
  if (options.greet ?? true) await send({ kind: 'event', event: 'conversation_start' });
  for await (const line of { [Symbol.asyncIterator]: () => lines }) {
    const text = line.trim();
    if (CHAT_EXIT_COMMANDS.includes(text.toLowerCase())) break;
    if (text === '') continue;
    const current: QuickReply[] | null = menu;
    const n = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
    const picked = current !== null && n >= 1 ? (current as QuickReply[])[n - 1] : undefined;
    await send(
      picked
        ? { kind: 'choice', value: picked.value, label: picked.label }
        : { kind: 'text', text },
    );
  }
  rl.close();
  out.write('对话已结束，再见！\n');
  return turns;
}
