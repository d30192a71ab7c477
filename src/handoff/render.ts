// Turns a handoff request into what agents see: the thread header, an extractive summary and the
// transcript file. Pure functions; every customer-originated string goes through the masking.
import { createHash } from 'node:crypto';
import { maskAccount, maskPersonalData, maskPhone } from '../compliance/index.ts';
import type { ChannelId } from '../core/message.ts';
import type { ComplaintTicket, TranscriptEntry } from '../store/types.ts';
import type { ThreadHeader } from './desk.ts';
import type { HandoffReason, HandoffRequest } from './types.ts';

/** The compliance layer's masking functions (src/compliance), injected so tests can see them used. */
export interface Masking {
  maskPersonalData(text: string): string;
  maskPhone(phone: string): string;
  maskAccount(account: string): string;
}

/** The default: the compliance layer's own functions. */
export const complianceMasking: Masking = {
  maskPersonalData: (text) => maskPersonalData(text),
  maskPhone,
  maskAccount,
};

const REASON_TEXT: Record<HandoffReason, string> = {
  customer_request: '客户要求转人工',
  callback_request: '客户要求留言回电',
  complaint: '客户投诉，需人工处理',
  fallback_exhausted: '机器人多次未能理解客户问题',
  advice_followup: '客户咨询投资建议类问题，需持牌人员跟进',
  other: '其他原因转人工',
};

const CHANNEL_TEXT: Record<ChannelId, string> = {
  web: '网站在线客服',
  'wechat-mp': '微信公众号',
  wecom: '企业微信',
  wechaty: '微信',
  botframework: 'Bot Framework',
  cli: '命令行',
  test: '测试渠道',
};

const SPEAKER: Record<TranscriptEntry['direction'], string> = {
  customer: '客户',
  bot: '机器人',
  agent: '客服',
  system: '系统',
};

/** A short stable reference agents can quote; the conversation id may embed a channel user id. */
export function conversationRef(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('hex').slice(0, 10);
}

export function reasonText(reason: HandoffReason): string {
  return REASON_TEXT[reason] ?? REASON_TEXT.other;
}

export function channelText(channel: ChannelId): string {
  return CHANNEL_TEXT[channel] ?? channel;
}

/** Names are personal data too: keep the surname only ("张**"). */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return chars.length === 0 ? '' : '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}

export function ticketFields(
  ticket: ComplaintTicket,
  masking: Masking,
): { label: string; value: string }[] {
  const fields: { label: string; value: string }[] = [
    { label: '工单号', value: ticket.id },
    { label: '类型', value: ticket.kind === 'complaint' ? '投诉' : '回电' },
  ];
  const add = (label: string, value: string | undefined): void => {
    if (value && value.trim()) fields.push({ label, value });
  };
  add('投诉人', ticket.complainant.name ? maskName(ticket.complainant.name) : undefined);
  add(
    '联系电话',
    ticket.complainant.phone ? masking.maskPhone(ticket.complainant.phone) : undefined,
  );
  add(
    '资金账号',
    ticket.complainant.account ? masking.maskAccount(ticket.complainant.account) : undefined,
  );
  add('发生时间', ticket.occurredAt ? masking.maskPersonalData(ticket.occurredAt.text) : undefined);
  add('类别', ticket.category);
  add('承办部门', ticket.department);
  add('事由', masking.maskPersonalData(ticket.description));
  add('诉求', ticket.desiredOutcome ? masking.maskPersonalData(ticket.desiredOutcome) : undefined);
  add('答复期限', ticket.replyDueBy);
  return fields;
}

/** What an unfinished form collected, masked like ticket fields, for the agent to carry on. */
export function collectedFieldsOf(
  collected: NonNullable<HandoffRequest['collected']>,
  masking: Masking,
): { label: string; value: string }[] {
  const mask = (slot: string, value: string): string =>
    slot === 'phone'
      ? masking.maskPhone(value)
      : slot === 'account'
        ? masking.maskAccount(value)
        : slot === 'name'
          ? maskName(value)
          : masking.maskPersonalData(value);
  return [
    { label: '未完成的登记', value: collected.title },
    ...collected.fields.map((f) => ({ label: f.label, value: mask(f.slot, f.value) })),
  ];
}

const HANDOFF_ASK = /^(转)?(人工|真人|客服|人工客服|转人工服务|找人工|我要人工)[!！。.？?]*$/;

/**
 * A short extractive summary: the customer's first substantive line and the last two, in order,
 * each cut to 80 characters. Deterministic, so agents and tests see the same thing.
 */
export function summarize(transcript: readonly TranscriptEntry[], masking: Masking): string {
  const lines = transcript
    .filter((e) => e.direction === 'customer' && e.kind === 'message')
    .map((e) => e.text.trim().replace(/\s+/g, ' '))
    .filter((t) => [...t].length >= 4 && !HANDOFF_ASK.test(t));
  const unique = [...new Set(lines)];
  if (unique.length === 0) return '（客户未描述具体问题）';
  const picked = unique.length <= 3 ? unique : [unique[0]!, ...unique.slice(-2)];
  return picked
    .map((t) => masking.maskPersonalData(t))
    .map((t) => ([...t].length > 80 ? [...t].slice(0, 80).join('') + '…' : t))
    .join(' / ');
}

function stamp(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The whole conversation as plain text, masked, for the transcript file. */
export function renderTranscript(request: HandoffRequest, masking: Masking): string {
  const head = [
    `会话编号：${conversationRef(request.conversationId)}`,
    `渠道：${channelText(request.channel)}`,
    `转人工原因：${reasonText(request.reason)}`,
    `识别到的意图：${request.intentsSeen.join('、') || '无'}`,
    request.ticket ? `关联工单：${request.ticket.id}` : '',
    '',
  ].filter((l, i, all) => l !== '' || i === all.length - 1);
  const body = request.transcript.map((e) => {
    const who = e.direction === 'agent' && e.agent ? `客服 ${e.agent}` : SPEAKER[e.direction];
    const kind = e.kind === 'message' ? '' : `（${e.kind === 'survey' ? '满意度' : '备注'}）`;
    return `[${stamp(e.at)}] ${who}${kind}：${masking.maskPersonalData(e.text)}`;
  });
  return [...head, ...body, ''].join('\n');
}

export function buildHeader(
  request: HandoffRequest,
  masking: Masking,
  status: string,
): ThreadHeader {
  return {
    conversationId: request.conversationId,
    conversationRef: conversationRef(request.conversationId),
    channel: request.channel,
    reason: request.reason,
    reasonText: reasonText(request.reason),
    intentsSeen: [...request.intentsSeen],
    ticketFields: request.ticket
      ? ticketFields(request.ticket, masking)
      : request.collected
        ? collectedFieldsOf(request.collected, masking)
        : [],
    summary: summarize(request.transcript, masking),
    status,
  };
}
