// The terminal chat: numbered quick replies, a typed number sent as a tap, /exit.
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { runChat } from '../../src/cli/chat.ts';
import type { ConversationGateway } from '../../src/core/gateway.ts';
import type { InboundMessage } from '../../src/core/message.ts';

it('shows quick replies as numbers and sends a typed number as the tapped choice', async () => {
  const received: InboundMessage[] = [];
  const gateway: ConversationGateway = {
    async handleInbound(message) {
      received.push(message);
      if (message.content.kind === 'event') {
        return [
          {
            type: 'choices',
            text: '您好，请问要办理哪种开户？',
            quickReplies: [
              { label: '个人开户', value: 'personal' },
              { label: '机构开户', value: 'institutional' },
            ],
          },
        ];
      }
      return [{ type: 'text', text: '收到' }];
    },
  };
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString('utf8')));
  input.end('2\n3\n/exit\n不会被发送\n');
  const turns = await runChat({ gateway, input, output, conversationId: 'cli:t' });
  expect(turns).toBe(3);
  expect(shown).toContain('1. 个人开户');
  expect(shown).toContain('2. 机构开户');
  expect(received.map((m) => m.content)).toEqual([
    { kind: 'event', event: 'conversation_start' },
    { kind: 'choice', value: 'institutional', label: '机构开户' },
    { kind: 'text', text: '3' },
  ]);
  expect(received.every((m) => m.channel === 'cli' && m.conversationId === 'cli:t')).toBe(true);
});

it('shows one numbered menu per reply: a digression answer, then the form question it returns to', async () => {
  const received: InboundMessage[] = [];
  const gateway: ConversationGateway = {
    async handleInbound(message) {
      received.push(message);
      if (message.content.kind !== 'text') return [];
      return [
        {
          type: 'choices',
          text: '交易时间为9:30-11:30、13:00-15:00。',
          quickReplies: [
            { label: '交易规则', value: 'intent:faq.trading_rules' },
            { label: '交易费用', value: 'intent:faq.trading_fees' },
          ],
        },
        { type: 'text', text: '好的，我们继续刚才的投诉登记。' },
        {
          type: 'choices',
          text: '请选择投诉类别：',
          quickReplies: [
            { label: '服务态度', value: '服务态度' },
            { label: '收费', value: '收费' },
          ],
        },
      ];
    },
  };
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString('utf8')));
  input.end('交易时间几点\n2\n');
  await runChat({ gateway, input, output, conversationId: 'cli:menus', greet: false });
  expect(shown.match(/回复数字选择/g)).toHaveLength(1);
  expect(shown).toContain('您也可以直接发送：「交易规则」「交易费用」');
  expect(shown).not.toContain('1. 交易规则');
  expect(shown).toContain('1. 服务态度');
  // The number answers the question being asked, not the topics above it.
  expect(received.at(-1)?.content).toEqual({ kind: 'choice', value: '收费', label: '收费' });
});
