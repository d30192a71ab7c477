// The department desks in Slack: one Block Kit card per ticket in its department's channel, with
// 受理 / 记录处理 (modal) / 办结 (modal) / 转交 (modal) / 查看联系方式 (ephemeral, audited). Every
// button and form goes to the ticket service, which validates it with the same rules as the admin
// API and redraws the card in place.
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { channelText } from '../../handoff/render.ts';
import type { TicketCard, TicketDesk, TicketDeskActions } from '../../tickets/desk.ts';
import {
  TICKET_CAUSES,
  validateStaffAction,
  type FieldErrors,
} from '../../tickets/ticket-machine.ts';
import type { ComplaintTicket } from '../../store/types.ts';

type Block = Record<string, unknown>;

export const TICKET_ACTIONS = {
  accept: 'ticket_accept',
  note: 'ticket_note',
  resolve: 'ticket_resolve',
  transfer: 'ticket_transfer',
  reveal: 'ticket_reveal',
} as const;

export const TICKET_VIEWS = {
  note: 'ticket_note_view',
  resolve: 'ticket_resolve_view',
  transfer: 'ticket_transfer_view',
} as const;

const BUTTON_TEXT = {
  accept: '受理',
  note: '记录处理',
  resolve: '办结',
  transfer: '转交',
  reveal: '查看联系方式',
} as const;

const KIND_TEXT = { complaint: '投诉工单', callback: '回电工单' } as const;

/** Slack's limit for a section's text is 3000 characters; leave room for the label. */
const MAX_SECTION = 2800;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max = MAX_SECTION): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function localTime(iso: string): string {
  const d = new Date(Date.parse(iso) + 8 * 3600_000);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ');
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text) } };
}

/** The card's blocks; everything in it comes masked from the ticket service. */
export function ticketCardBlocks(card: TicketCard): Block[] {
  const t = card.ticket;
  const e = (s: string | undefined): string => escape(s ?? '');
  const who = [t.complainant.name, t.complainant.phone].filter(Boolean).join(' ') || '（未提供）';
  const blocks: Block[] = [
    section(
      `*${KIND_TEXT[t.kind]} ${t.id}* · ${card.overdue ? '⚠️ ' : ''}${e(card.statusText)}` +
        (t.status === 'in_progress' ? `（${e(t.statusHistory.at(-1)?.by)} 受理）` : ''),
    ),
    {
      type: 'section',
      fields: [
        `*类别*\n${e(t.category ?? '未分类')}`,
        `*部门*\n${e(t.department ?? '未分配')}`,
        `*渠道*\n${e(channelText(t.channel))}`,
        `*登记时间*\n${localTime(t.createdAt)}`,
        `*答复时限*\n${e(card.dueText)}`,
        `*客户*\n${e(who)}${t.complainant.account ? `\n资金账号 ${e(t.complainant.account)}` : ''}`,
      ].map((text) => ({ type: 'mrkdwn', text: clip(text, 1900) })),
    },
    section(
      `*事情经过*：${e(t.description) || '（未填写）'}` +
        (t.occurredAt ? `\n*发生时间*：${e(t.occurredAt.text)}` : '') +
        (t.desiredOutcome ? `\n*客户诉求*：${e(t.desiredOutcome)}` : ''),
    ),
  ];
  if (t.result !== undefined) {
    blocks.push(
      section(
        `*处理结果*：${e(t.result)}` +
          (t.cause ? `\n*原因类别*：${e(t.cause)}` : '') +
          (t.improvement ? `\n*改进措施*：${e(t.improvement)}` : ''),
      ),
    );
  }
  const context: string[] = [];
  if (card.noticeText) context.push(e(card.noticeText));
  if (t.resultFeedback) {
    context.push(
      `客户评价：${e(t.resultFeedback.rating)}${t.resultFeedback.comment ? `（${e(t.resultFeedback.comment)}）` : ''}`,
    );
  }
  const recent = t.handling.slice(-3).map((h) => `${localTime(h.at)} ${e(h.by)}：${e(h.action)}`);
  context.push(...recent);
  if (context.length > 0) {
    blocks.push({
      type: 'context',
      elements: context.slice(0, 10).map((text) => ({ type: 'mrkdwn', text: clip(text, 1900) })),
    });
  }
  if (card.actions.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: `ticket_actions:${t.id}`,
      elements: card.actions.map((a) => ({
        type: 'button',
        text: { type: 'plain_text', text: BUTTON_TEXT[a] },
        action_id: TICKET_ACTIONS[a],
        value: t.id,
        ...(a === 'accept' || a === 'resolve' ? { style: 'primary' } : {}),
      })),
    });
  }
  return blocks;
}

function cardText(card: TicketCard): string {
  return `${KIND_TEXT[card.ticket.kind]} ${card.ticket.id}（${card.statusText}）`;
}

function parseCardKey(key: string): { channel: string; ts: string } {
  const at = key.indexOf(':');
  if (at <= 0) throw new Error(`not a Slack card key: ${key}`);
  return { channel: key.slice(0, at), ts: key.slice(at + 1) };
}

function plainInput(
  blockId: string,
  label: string,
  options: { multiline?: boolean; optional?: boolean; max: number; placeholder?: string },
): Block {
  return {
    type: 'input',
    block_id: blockId,
    optional: options.optional ?? false,
    label: { type: 'plain_text', text: label },
    element: {
      type: 'plain_text_input',
      action_id: 'value',
      multiline: options.multiline ?? false,
      max_length: options.max,
      ...(options.placeholder
        ? { placeholder: { type: 'plain_text', text: options.placeholder } }
        : {}),
    },
  };
}

function select(blockId: string, label: string, choices: readonly string[]): Block {
  return {
    type: 'input',
    block_id: blockId,
    label: { type: 'plain_text', text: label },
    element: {
      type: 'static_select',
      action_id: 'value',
      options: choices.map((c) => ({ text: { type: 'plain_text', text: c }, value: c })),
    },
  };
}

function modal(callbackId: string, title: string, metadata: ViewMetadata, blocks: Block[]) {
  return {
    type: 'modal' as const,
    callback_id: callbackId,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text' as const, text: title },
    submit: { type: 'plain_text' as const, text: '提交' },
    close: { type: 'plain_text' as const, text: '取消' },
    blocks,
  };
}

interface ViewMetadata {
  ticketId: string;
  channel: string;
}

/** The value a member entered in a view's input block (text or selected option). */
function viewValue(values: unknown, blockId: string): string {
  const block = (values as Record<string, Record<string, unknown>> | undefined)?.[blockId];
  const element = block?.value as
    { value?: string | null; selected_option?: { value?: string } | null } | undefined;
  return element?.selected_option?.value ?? element?.value ?? '';
}

/** Field errors as Slack wants them: keyed by the input block that shows the message. */
function blockErrors(errors: FieldErrors, fallbackBlock: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    const block = ['note', 'result', 'cause', 'improvement', 'department'].includes(field)
      ? field
      : fallbackBlock;
    out[block] = out[block] ? `${out[block]}；${message}` : String(message);
  }
  return out;
}

export interface TicketDeskDeps {
  app: App;
  client: WebClient;
  actions: TicketDeskActions;
  /** The clicking member as the ticket history names them. */
  memberName(userId: string, fallback?: string): Promise<string>;
  log: (message: string) => void;
}

/** Registers the card's buttons and forms on the bolt app and returns the desk the service uses. */
export function createSlackTicketDesk(deps: TicketDeskDeps): TicketDesk {
  const { app, client, actions, log } = deps;

  async function who(body: { user: { id: string; name?: string } }): Promise<string> {
    const name = await deps.memberName(body.user.id, body.user.name);
    return `${name} (${body.user.id})`;
  }

  async function tell(channel: string, user: string, text: string): Promise<void> {
    await client.chat
      .postEphemeral({ channel, user, text })
      .catch((error: unknown) => log(`slack: ephemeral message failed: ${String(error)}`));
  }

  function channelOfBody(body: Record<string, unknown>): string {
    const channel = body.channel as { id?: string } | undefined;
    const container = body.container as { channel_id?: string } | undefined;
    return channel?.id ?? container?.channel_id ?? '';
  }

  app.action(TICKET_ACTIONS.accept, async ({ ack, body, action }) => {
    await ack();
    if (action.type !== 'button' || !action.value) return;
    const outcome = await actions.act(action.value, { action: 'accept', by: await who(body) });
    if (!outcome.ok) await tell(channelOfBody(body as never), body.user.id, outcome.message);
  });

  app.action(TICKET_ACTIONS.reveal, async ({ ack, body, action }) => {
    await ack();
    if (action.type !== 'button' || !action.value) return;
    const channel = channelOfBody(body as never);
    const revealed = await actions.revealContacts(action.value, await who(body), 'slack');
    if (!revealed.ok) return tell(channel, body.user.id, revealed.message);
    const c = revealed.contacts;
    await tell(
      channel,
      body.user.id,
      `工单 ${action.value} 的联系方式（仅您可见，本次查看已记入工单记录）：\n` +
        `姓名：${c.name ?? '未提供'}\n电话：${c.phone ?? '未提供'}\n资金账号：${c.account ?? '未提供'}`,
    );
  });

  const openForm = (
    actionId: string,
    build: (ticket: ComplaintTicket, metadata: ViewMetadata) => ReturnType<typeof modal>,
  ): void => {
    app.action(actionId, async ({ ack, body, action }) => {
      await ack();
      if (action.type !== 'button' || !action.value) return;
      const channel = channelOfBody(body as never);
      const ticket = await actions.get(action.value);
      if (!ticket) return tell(channel, body.user.id, `没有工单${action.value}`);
      const trigger = 'trigger_id' in body ? String(body.trigger_id) : '';
      await client.views.open({
        trigger_id: trigger,
        view: build(ticket, { ticketId: ticket.id, channel }) as never,
      });
    });
  };

  openForm(TICKET_ACTIONS.note, (ticket, metadata) =>
    modal(TICKET_VIEWS.note, `记录处理 ${ticket.id}`.slice(0, 24), metadata, [
      plainInput('note', '处理记录（已做的核实、联系、处理）', { multiline: true, max: 1000 }),
    ]),
  );
  openForm(TICKET_ACTIONS.resolve, (ticket, metadata) =>
    modal(TICKET_VIEWS.resolve, `办结 ${ticket.id}`.slice(0, 24), metadata, [
      plainInput('result', '告知客户的处理结果（客户将看到这段话）', {
        multiline: true,
        max: 2000,
      }),
      select('cause', '原因类别', TICKET_CAUSES),
      plainInput('improvement', '改进措施（防止再次发生）', { multiline: true, max: 1000 }),
    ]),
  );
  openForm(TICKET_ACTIONS.transfer, (ticket, metadata) =>
    modal(TICKET_VIEWS.transfer, `转交 ${ticket.id}`.slice(0, 24), metadata, [
      select(
        'department',
        `转交至（当前：${ticket.department ?? '未分配'}）`,
        actions.departments().filter((d) => d !== ticket.department),
      ),
      plainInput('note', '转交说明', { multiline: true, optional: true, max: 1000 }),
    ]),
  );

  const onSubmit = (
    callbackId: string,
    kind: 'note' | 'resolve' | 'transfer',
    fields: string[],
  ): void => {
    app.view(callbackId, async ({ ack, body, view }) => {
      let metadata: ViewMetadata;
      try {
        metadata = JSON.parse(view.private_metadata) as ViewMetadata;
      } catch {
        await ack({
          response_action: 'errors',
          errors: { [fields[0]!]: '表单已失效，请重新打开' },
        });
        return;
      }
      const input: Record<string, unknown> = { action: kind, by: await who(body) };
      for (const field of fields) input[field] = viewValue(view.state.values, field);
      const checked = validateStaffAction(input, actions.departments());
      if (!checked.ok) {
        await ack({ response_action: 'errors', errors: blockErrors(checked.errors, fields[0]!) });
        return;
      }
      const outcome = await actions.act(metadata.ticketId, checked.action);
      if (!outcome.ok) {
        await ack({ response_action: 'errors', errors: { [fields[0]!]: outcome.message } });
        return;
      }
      await ack();
    });
  };
  onSubmit(TICKET_VIEWS.note, 'note', ['note']);
  onSubmit(TICKET_VIEWS.resolve, 'resolve', ['result', 'cause', 'improvement']);
  onSubmit(TICKET_VIEWS.transfer, 'transfer', ['department', 'note']);

  return {
    async postCard(channel, card) {
      const posted = await client.chat.postMessage({
        channel,
        text: cardText(card),
        blocks: ticketCardBlocks(card) as never,
        unfurl_links: false,
      });
      if (!posted.ts) throw new Error('slack: chat.postMessage returned no ts');
      return `${posted.channel ?? channel}:${posted.ts}`;
    },
    async updateCard(cardKey, card) {
      const { channel, ts } = parseCardKey(cardKey);
      await client.chat.update({
        channel,
        ts,
        text: cardText(card),
        blocks: ticketCardBlocks(card) as never,
      });
    },
    async retireCard(cardKey, text) {
      const { channel, ts } = parseCardKey(cardKey);
      await client.chat.update({ channel, ts, text, blocks: [section(escape(text))] as never });
    },
    channelOf: (cardKey) => parseCardKey(cardKey).channel,
    async postNotice(channel, text, cardKey) {
      const card = cardKey ? parseCardKey(cardKey) : null;
      await client.chat.postMessage({
        channel,
        text: escape(text),
        unfurl_links: false,
        ...(card && card.channel === channel ? { thread_ts: card.ts } : {}),
      });
    },
  };
}
