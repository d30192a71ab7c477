// The human handoff: queues the customer with an honest position and wait, opens a desk thread
// with the masked transcript, relays both ways, and hands the conversation back to the bot (with
// the satisfaction survey) when the agent closes it. Agent actions arrive through the HandoffBus
// so exactly one instance handles each, whichever instance Slack called.
import { randomUUID } from 'node:crypto';
import type { ChannelOutlet, ConversationControl, DeliveryTarget } from '../core/gateway.ts';
import type { ChannelId, OutboundMessage } from '../core/message.ts';
import type {
  ComplaintTicket,
  ConversationState,
  ConversationStateStore,
  Json,
  TicketStore,
  TranscriptStore,
} from '../store/types.ts';
import type { AgentEvent, CustomerDelivery, HandoffBus } from './bus.ts';
import type { AgentActions, AgentDesk, AgentRef } from './desk.ts';
import { estimateWaitMs, waitMinutes, type HandoffQueue } from './queue.ts';
import {
  buildHeader,
  complianceMasking,
  conversationRef,
  reasonText,
  renderTranscript,
  type Masking,
} from './render.ts';
import type { HandoffSummarizer } from '../core/llm-ports.ts';
import { createHandoffSummaries } from './handoff-summary.ts';
import type { ServiceHours } from './service-hours.ts';
import type {
  CallbackRequest,
  HandoffRequest,
  HandoffService,
  HandoffStarted,
  LeaveMessageOffer,
  OfferReason,
  RelayOptions,
} from './types.ts';
import { asksToLeaveMessage } from './leave-message.ts';

/** What the service keeps in ConversationState.handoff (plain JSON, versioned). */
export interface HandoffRecord {
  v: 1;
  /** queued: waiting for an agent; claimed: an agent owns it; awaiting_message: nobody will come,
   * the customer's next line starts the leave-a-message form. */
  status: 'queued' | 'claimed' | 'awaiting_message';
  threadKey: string | null;
  reason: string;
  startedAt: string;
  /** Epoch ms the customer joined the queue; null when never queued. */
  queuedAt: number | null;
  agent: { id: string; name: string } | null;
  claimedAt: string | null;
  /** The complaint ticket the handoff is about, if any. */
  ticketId: string | null;
  /** What the customer was last told about the queue. */
  told: { position: number; waitMs: number; at: number } | null;
  offer: OfferReason | null;
}

export interface HandoffSettings {
  serviceHours: ServiceHours;
  /** With nobody claiming for this long, the customer is offered to leave a message. */
  claimTimeoutMs: number;
  /** A waiting customer hears from us at least this often. */
  reinformEveryMs: number;
  /** false: customers see "客服专员" instead of the agent's Slack display name. */
  showAgentNames: boolean;
  /** Channels whose customers hold a connection to one instance: deliveries are broadcast. */
  broadcastChannels: readonly ChannelId[];
  /** Firm texts used in customer messages. */
  firm: { hotline: string; agentServiceHours: string };
}

export const DEFAULT_HANDOFF_SETTINGS: Omit<HandoffSettings, 'serviceHours' | 'firm'> = {
  claimTimeoutMs: 5 * 60_000,
  reinformEveryMs: 2 * 60_000,
  showAgentNames: true,
  broadcastChannels: ['web', 'wechaty'],
};

export interface HandoffServiceDeps {
  /** null: no agent desk configured; every handoff becomes an offer to leave a message. */
  desk: AgentDesk | null;
  queue: HandoffQueue;
  bus: HandoffBus;
  states: ConversationStateStore;
  transcripts: TranscriptStore;
  tickets: TicketStore;
  outlets: (channel: ChannelId) => ChannelOutlet | undefined;
  /** May be bound later with bindControl (the pipeline is built after the service). */
  control?: ConversationControl;
  /** Defaults to src/compliance masking; everything sent to the desk goes through it. */
  masking?: Masking;
  settings: HandoffSettings;
  clock?: () => Date;
  log?: (message: string) => void;
  /** Optional LLM layer (issue #15): writes a summary into each desk thread it opens. */
  summarizer?: HandoffSummarizer;
}

export interface HandoffRuntime extends HandoffService, AgentActions {
  bindControl(control: ConversationControl): void;
  /**
   * The pipeline calls this when the customer answered the satisfaction survey after a handoff:
   * the result is posted to the conversation's desk thread. Returns false when there is no thread.
   */
  surveyCompleted(conversationId: string, score: number, comment?: string): Promise<boolean>;
  /** One pass of the queue check: re-informs waiters, offers messages after timeouts. */
  checkQueue(): Promise<void>;
  /** Starts the bus consumer and the periodic queue check. */
  startWorkers(options?: { checkEveryMs?: number }): Promise<void>;
  stopWorkers(): Promise<void>;
}

const LOCK_TTL_MS = 10_000;

function isRecord(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseHandoffRecord(value: Json): HandoffRecord | null {
  if (!isRecord(value) || value.v !== 1) return null;
  if (
    value.status !== 'queued' &&
    value.status !== 'claimed' &&
    value.status !== 'awaiting_message'
  )
    return null;
  return value as unknown as HandoffRecord;
}

function toJson(record: HandoffRecord): Json {
  return JSON.parse(JSON.stringify(record)) as Json;
}

export function createHandoffService(deps: HandoffServiceDeps): HandoffRuntime {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log ?? ((m: string) => console.error(m));
  const { settings, queue, bus, desk } = deps;
  const masking = deps.masking ?? complianceMasking;
  let control = deps.control ?? null;
  let checkTimer: NodeJS.Timeout | null = null;
  let checking: Promise<void> | null = null;
  const summaries =
    desk && deps.summarizer
      ? createHandoffSummaries({ desk, summarizer: deps.summarizer, masking, log })
      : null;

  // ---- customer texts -------------------------------------------------------------------------

  const agentTitle = (agent: { name: string }): string =>
    settings.showAgentNames && agent.name.trim() ? `客服专员 ${agent.name.trim()}` : '客服专员';

  const queueLine = (position: number, waitMs: number): string =>
    `目前排在第${position}位，预计等待约${waitMinutes(waitMs)}分钟`;

  const callbackWhen = (now: Date): string =>
    settings.serviceHours.isOpen(now)
      ? '工作时间内尽快'
      : settings.serviceHours.describeNextOpening(now);

  const WHY: Record<OfferReason, string> = {
    after_hours: '现在是人工客服非工作时间',
    timeout: '客服专员暂时都在忙',
    // No desk configured at all, or one that failed to open the thread.
    no_desk: desk ? '人工客服系统暂时连接不上' : '现在没有客服专员在线',
    requested: '您希望留言回电',
  };

  function offerOf(offer: OfferReason, now: Date): LeaveMessageOffer {
    return { offer, why: WHY[offer], callbackWhen: callbackWhen(now) };
  }

  /** One statement of the decision: why, until when, and what happens now. */
  function offerText(offer: OfferReason, now: Date, position?: number): string {
    const when = callbackWhen(now);
    const urgent = `紧急情况请拨打客服热线${settings.firm.hotline}。`;
    switch (offer) {
      case 'after_hours':
        return (
          `您好，现在是人工客服非工作时间（服务时间：${settings.firm.agentServiceHours}），客服专员要到${when}才能接待。` +
          `您可以现在给我们留言，客服专员上班后会按留言给您回电；${urgent}`
        );
      case 'timeout':
        return (
          `对不起，让您久等了：客服专员暂时都在忙${position ? `，您仍排在第${position}位` : ''}。` +
          `您可以继续等待，客服专员空闲后会马上接入；也可以回复「留言」，留下问题和电话，我们会在${when}给您回电。${urgent}`
        );
      case 'no_desk':
        return (
          `抱歉，${WHY.no_desk}，无法为您接通人工服务。` +
          `您可以现在给我们留言，我们会在${when}给您回电；${urgent}`
        );
      case 'requested':
        return (
          `您好，这就为您登记留言，客服专员会在${when}给您回电。` +
          '如果想现在就和客服专员在线沟通，也可以回复「转人工」排队。'
        );
    }
  }

  /** The desk closed while the customer waited: their next line starts a message. */
  function closedWhileQueuedText(now: Date): string {
    return (
      `对不起，人工客服已到下班时间（服务时间：${settings.firm.agentServiceHours}），今天没能为您接通。` +
      `请直接回复您想咨询的问题，我来为您登记留言，客服专员会在${callbackWhen(now)}给您回电；紧急情况请拨打客服热线${settings.firm.hotline}。`
    );
  }

  // ---- state helpers --------------------------------------------------------------------------

  async function withState<T>(
    conversationId: string,
    fn: (
      state: ConversationState,
      record: HandoffRecord | null,
    ) => Promise<{ record?: HandoffRecord | null; result: T }>,
  ): Promise<T | null> {
    const release = await deps.states.lock(conversationId, LOCK_TTL_MS);
    try {
      const loaded = await deps.states.load(conversationId);
      if (!loaded) return null;
      const { state, version } = loaded;
      const outcome = await fn(state, parseHandoffRecord(state.handoff));
      if (outcome.record !== undefined) {
        const next: ConversationState = {
          ...state,
          handoff: outcome.record ? toJson(outcome.record) : null,
          updatedAt: clock().toISOString(),
        };
        const saved = await deps.states.save(next, version);
        if (!saved.ok) throw new Error(`handoff state of ${conversationId} changed concurrently`);
      }
      return outcome.result;
    } finally {
      await release();
    }
  }

  function targetOf(state: ConversationState): DeliveryTarget {
    return {
      channel: state.channel,
      conversationId: state.conversationId,
      userId: state.userId,
      channelRef: state.channelRef,
    };
  }

  async function deliverLocally(delivery: CustomerDelivery): Promise<void> {
    const outlet = deps.outlets(delivery.target.channel);
    if (!outlet) return;
    await outlet.deliver(delivery.target, delivery.messages);
  }

  async function deliver(target: DeliveryTarget, messages: OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (settings.broadcastChannels.includes(target.channel)) {
      await bus.broadcast({ target, messages });
      return;
    }
    const outlet = deps.outlets(target.channel);
    if (!outlet) {
      log(
        `handoff: no outlet for channel ${target.channel}; ${messages.length} message(s) not delivered`,
      );
      return;
    }
    await outlet.deliver(target, messages);
  }

  /** Customer-visible lines outside a turn go into the transcript too, so polling clients see them. */
  async function tellCustomer(
    state: ConversationState,
    messages: OutboundMessage[],
  ): Promise<void> {
    for (const message of messages) {
      await deps.transcripts.append({
        conversationId: state.conversationId,
        at: clock().toISOString(),
        channel: state.channel,
        direction: message.type === 'event' ? 'system' : (message.from ?? 'system'),
        kind: 'message',
        text: message.text,
        ...(message.type === 'event' ? { data: { event: message.event } } : {}),
      });
    }
    await deliver(targetOf(state), messages);
  }

  async function toThread(threadKey: string | null, text: string): Promise<void> {
    if (!desk || !threadKey) return;
    try {
      await desk.postToThread(threadKey, text);
    } catch (error) {
      log(`handoff: posting to desk thread failed: ${String(error)}`);
    }
  }

  async function recordHandling(
    ticketId: string | null,
    by: string,
    action: string,
  ): Promise<void> {
    if (!ticketId) return;
    try {
      await deps.tickets.addHandling(ticketId, { by, action, at: clock().toISOString() });
    } catch (error) {
      log(`handoff: recording handling on ticket ${ticketId} failed: ${String(error)}`);
    }
  }

  async function note(
    state: ConversationState,
    text: string,
    data?: { [key: string]: Json },
  ): Promise<void> {
    await deps.transcripts.append({
      conversationId: state.conversationId,
      at: clock().toISOString(),
      channel: state.channel,
      direction: 'system',
      kind: 'note',
      text,
      ...(data ? { data } : {}),
    });
  }

  async function queueStatus(
    conversationId: string,
  ): Promise<{ position: number; waitMs: number } | null> {
    const position = await queue.position(conversationId);
    if (position === null) return null;
    return { position, waitMs: estimateWaitMs(position, await queue.recentWaits()) };
  }

  // ---- HandoffService -------------------------------------------------------------------------

  async function start(request: HandoffRequest): Promise<HandoffStarted> {
    const now = clock();
    const base: HandoffRecord = {
      v: 1,
      status: 'queued',
      threadKey: null,
      reason: request.reason,
      startedAt: now.toISOString(),
      queuedAt: null,
      agent: null,
      claimedAt: null,
      ticketId: request.ticket?.id ?? null,
      told: null,
      offer: null,
    };
    const offered = (offer: OfferReason): HandoffStarted => ({
      messages: [{ type: 'text', text: offerText(offer, now), from: 'system' }],
      handoff: null,
      leaveMessage: offerOf(offer, now),
    });
    const transcriptText = renderTranscript(request, masking);
    const fileName = `transcript-${conversationRef(request.conversationId)}.txt`;

    if (!desk) {
      await recordHandling(base.ticketId, 'bot', '转人工：未配置人工坐席，请客户留言待回电');
      return offered('no_desk');
    }

    // Nobody is to be queued: the thread only lets agents see who will leave a message and why.
    const noticeThread = async (note: string): Promise<void> => {
      try {
        const header = buildHeader(request, masking, note);
        const threadKey = await desk.openThread({
          header,
          transcriptText,
          transcriptFileName: fileName,
        });
        await queue.bindThread(request.conversationId, threadKey);
        summaries?.afterThreadOpened(threadKey, {
          transcriptText,
          reasonText: reasonText(request.reason),
        });
      } catch (error) {
        log(`handoff: opening desk thread failed: ${String(error)}`);
      }
    };

    if (!settings.serviceHours.isOpen(now)) {
      await noticeThread('非工作时间：已请客户留言，待回电');
      await recordHandling(base.ticketId, 'bot', '转人工：非工作时间，请客户留言待回电');
      return offered('after_hours');
    }

    // 留个言，明天回我电话: the customer asked for a call-back, not a chat; they are not queued.
    if (request.reason === 'callback_request') {
      await noticeThread('客户要求留言回电，待回电');
      await recordHandling(base.ticketId, 'bot', '客户要求留言回电');
      return offered('requested');
    }

    await queue.enqueue(request.conversationId, now.getTime());
    const status = (await queueStatus(request.conversationId)) ?? {
      position: 1,
      waitMs: estimateWaitMs(1, []),
    };
    let threadKey: string;
    try {
      const header = buildHeader(
        request,
        masking,
        `排队第${status.position}位，预计约${waitMinutes(status.waitMs)}分钟`,
      );
      threadKey = await desk.openThread({ header, transcriptText, transcriptFileName: fileName });
      await queue.bindThread(request.conversationId, threadKey);
      summaries?.afterThreadOpened(threadKey, {
        transcriptText,
        reasonText: reasonText(request.reason),
      });
    } catch (error) {
      // The desk is unreachable: nobody would see this customer, so do not let them wait.
      log(`handoff: opening desk thread failed: ${String(error)}`);
      await queue.remove(request.conversationId);
      await recordHandling(base.ticketId, 'bot', '转人工失败（坐席不可用），请客户留言待回电');
      return offered('no_desk');
    }
    await recordHandling(base.ticketId, 'bot', `转人工：排队第${status.position}位`);
    const record: HandoffRecord = {
      ...base,
      threadKey,
      queuedAt: now.getTime(),
      told: { position: status.position, waitMs: status.waitMs, at: now.getTime() },
    };
    // Others ahead in the queue means every agent is busy: say so, with the place and the wait.
    const busy = status.position > 1 ? '客服专员都在忙，' : '';
    const text =
      `您好，已为您转接人工客服，${busy}${queueLine(status.position, status.waitMs)}，客服专员接入后会在这里回复您。` +
      '等待期间您可以继续发送消息说明问题，客服专员都能看到；如不想等待，请回复「取消」。';
    return {
      messages: [{ type: 'event', event: 'handoff_queued', text, from: 'system' }],
      handoff: toJson(record),
    };
  }

  async function leaveMessage(
    request: CallbackRequest,
  ): Promise<{ ticket: ComplaintTicket; callbackWhen: string }> {
    const now = clock();
    const { conversationId } = request;
    const complaint = request.complaintTicketId
      ? await deps.tickets.get(request.complaintTicketId)
      : null;
    const next = settings.serviceHours.nextOpening(now);
    const ticket = await deps.tickets.create(
      {
        kind: 'callback',
        conversationId,
        channel: request.channel,
        createdAt: now.toISOString(),
        complainant: {
          ...(complaint?.complainant ?? {}),
          ...(request.name ? { name: request.name } : {}),
          phone: request.phone,
        },
        description: request.question,
        ...(next ? { replyDueBy: next.toISOString().slice(0, 10) } : {}),
      },
      'bot',
    );
    const when = callbackWhen(now);
    await queue.remove(conversationId);
    await recordHandling(complaint?.id ?? null, 'bot', `客户留言，已生成回电工单 ${ticket.id}`);
    const threadKey = await queue.threadForConversation(conversationId);
    if (desk && threadKey) {
      await toThread(
        threadKey,
        `客户已留言（回电工单 ${ticket.id}），已承诺${when}回电。回电电话：${masking.maskPhone(request.phone)}。` +
          `留言内容：${masking.maskPersonalData(request.question)}`,
      );
      try {
        await desk.markEnded(threadKey, `客户已留言，待回电（工单 ${ticket.id}）`);
      } catch (error) {
        log(`handoff: updating desk thread failed: ${String(error)}`);
      }
    }
    return { ticket, callbackWhen: when };
  }

  async function relayCustomerMessage(
    conversationId: string,
    handoff: Json,
    text: string,
    options: RelayOptions = {},
  ): Promise<{ messages: OutboundMessage[]; handoff: Json; leaveMessage?: LeaveMessageOffer }> {
    const record = parseHandoffRecord(handoff);
    if (!record) return { messages: [], handoff: null };
    const answered = options.answeredByBot ?? [];
    // The agent who takes over sees what the customer was already told, so as not to repeat it.
    const botNote = answered.length > 0 ? `\n（机器人已先解答：${answered.join('；')}）` : '';
    await toThread(record.threadKey, `*客户*：${masking.maskPersonalData(text)}${botNote}`);
    // Nobody will come (the desk closed), or the customer takes the offer to leave a message: the
    // bot takes the message as a form; this line is never itself the message.
    if (
      record.status === 'awaiting_message' ||
      (record.offer === 'timeout' && record.status === 'queued' && asksToLeaveMessage(text))
    ) {
      await queue.remove(conversationId);
      return {
        messages: [],
        handoff: null,
        leaveMessage: offerOf(record.offer ?? 'after_hours', clock()),
      };
    }
    if (record.status === 'claimed') return { messages: [], handoff };
    const status = await queueStatus(conversationId);
    if (!status) return { messages: [], handoff };
    const now = clock().getTime();
    const next: HandoffRecord = { ...record, told: { ...status, at: now } };
    const told =
      answered.length > 0
        ? `您的消息也已转给客服专员，排队不受影响：${queueLine(status.position, status.waitMs)}，客服专员接入后会在这里回复您。`
        : `您的消息已转给客服专员，您仍在排队：${queueLine(status.position, status.waitMs)}，请稍候。`;
    return { messages: [{ type: 'text', text: told, from: 'system' }], handoff: toJson(next) };
  }

  async function cancel(
    conversationId: string,
    handoff: Json,
    said?: string,
  ): Promise<{ messages: OutboundMessage[] }> {
    const record = parseHandoffRecord(handoff);
    await queue.remove(conversationId);
    if (record?.threadKey && said?.trim())
      await toThread(record.threadKey, `*客户*：${masking.maskPersonalData(said.trim())}`);
    if (record?.threadKey && desk) {
      await toThread(record.threadKey, '客户已取消转人工，会话已交回机器人。');
      try {
        await desk.markEnded(record.threadKey, '客户已取消');
      } catch (error) {
        log(`handoff: updating desk thread failed: ${String(error)}`);
      }
    }
    await recordHandling(record?.ticketId ?? null, 'customer', '客户取消转人工');
    await refreshQueue();
    return {
      messages: [
        {
          type: 'text',
          text: '好的，已为您取消转人工。您可以继续向我提问，谢谢。',
          from: 'system',
        },
      ],
    };
  }

  // ---- agent actions (run once, on whichever instance reads the bus entry) --------------------

  async function onClaimed(conversationId: string, agent: AgentRef): Promise<void> {
    const threadKey = await queue.threadForConversation(conversationId);
    const now = clock();
    type ClaimOutcome =
      | { kind: 'ended' }
      | { kind: 'taken'; by: HandoffRecord['agent'] }
      | { kind: 'claimed'; state: ConversationState; record: HandoffRecord };
    const outcome = await withState<ClaimOutcome>(conversationId, async (state, record) => {
      if (!record) return { result: { kind: 'ended' } };
      if (record.status === 'claimed') {
        return { result: { kind: 'taken', by: record.agent } };
      }
      const removed = await queue.remove(conversationId);
      if (removed && record.queuedAt !== null)
        await queue.recordWait(now.getTime() - record.queuedAt);
      const next: HandoffRecord = {
        ...record,
        status: 'claimed',
        offer: null,
        agent: { id: agent.id, name: agent.name },
        claimedAt: now.toISOString(),
      };
      return { record: next, result: { kind: 'claimed', state, record: next } };
    });
    if (!outcome || outcome.kind === 'ended') {
      await toThread(threadKey, `${agent.name}：该会话已结束（客户已取消或已留言），无需接单。`);
      return;
    }
    if (outcome.kind === 'taken') {
      if (outcome.by?.id !== agent.id)
        await toThread(
          threadKey,
          `${agent.name}：该会话已由 ${outcome.by?.name ?? '其他客服'} 接单。`,
        );
      return;
    }
    const { state, record } = outcome;
    if (desk && record.threadKey) await desk.markClaimed(record.threadKey, agent);
    await note(state, `${agent.name} 接入人工服务`, { agentId: agent.id });
    await recordHandling(record.ticketId, agent.name, '客服专员接单，开始人工服务');
    await tellCustomer(state, [
      {
        type: 'event',
        event: 'agent_joined',
        text: `${agentTitle(agent)} 已为您服务，请问有什么可以帮您？`,
        from: 'agent',
      },
    ]);
    await refreshQueue();
  }

  async function onAgentReply(
    conversationId: string,
    agent: AgentRef,
    text: string,
  ): Promise<void> {
    let loaded = await deps.states.load(conversationId);
    let record = loaded ? parseHandoffRecord(loaded.state.handoff) : null;
    const threadKey = record?.threadKey ?? (await queue.threadForConversation(conversationId));
    if (record && record.status !== 'claimed') {
      // Answering in the thread without pressing 接单 takes the conversation.
      await onClaimed(conversationId, agent);
      loaded = await deps.states.load(conversationId);
      record = loaded ? parseHandoffRecord(loaded.state.handoff) : null;
    }
    if (!loaded || !record || record.status !== 'claimed') {
      await toThread(threadKey, `${agent.name}：会话已结束，这条消息没有发送给客户。`);
      return;
    }
    const { state } = loaded;
    await deps.transcripts.append({
      conversationId,
      at: clock().toISOString(),
      channel: state.channel,
      direction: 'agent',
      kind: 'message',
      text,
      agent: agent.name,
    });
    await deliver(targetOf(state), [{ type: 'text', text, from: 'agent' }]);
  }

  async function onClosed(conversationId: string, agent: AgentRef): Promise<void> {
    const threadKey = await queue.threadForConversation(conversationId);
    const loaded = await deps.states.load(conversationId);
    const record = loaded ? parseHandoffRecord(loaded.state.handoff) : null;
    if (!loaded || !record) {
      await toThread(threadKey, `${agent.name}：该会话已结束。`);
      if (desk && threadKey) await desk.markEnded(threadKey, '会话已结束');
      return;
    }
    if (!control)
      throw new Error(
        'handoff: ConversationControl is not bound; cannot hand the conversation back',
      );
    await queue.remove(conversationId);
    const resumed = await control.resumeAfterHandoff(conversationId);
    const { state } = loaded;
    await note(state, `${agent.name} 结束人工服务`, { agentId: agent.id });
    await recordHandling(record.ticketId, agent.name, '客服专员结束人工服务');
    if (desk && record.threadKey)
      await desk.markEnded(record.threadKey, `已由 ${agent.name} 结束，已邀请客户评价`);
    const left: OutboundMessage = {
      type: 'event',
      event: 'agent_left',
      text: `${agentTitle(agent)}已结束本次人工服务，感谢您的耐心。`,
      from: 'system',
    };
    // resumed lines were recorded by the pipeline; only the agent_left line is new here.
    await tellCustomer(state, [left]);
    await deliver(targetOf(state), resumed);
    await refreshQueue();
  }

  async function handle(event: AgentEvent): Promise<void> {
    switch (event.type) {
      case 'claimed':
        return onClaimed(event.conversationId, event.agent);
      case 'agent_reply':
        return onAgentReply(event.conversationId, event.agent, event.text);
      case 'closed':
        return onClosed(event.conversationId, event.agent);
    }
  }

  // ---- keeping waiting customers informed -----------------------------------------------------

  function materiallyChanged(
    told: HandoffRecord['told'],
    position: number,
    waitMs: number,
    now: number,
  ): boolean {
    if (!told) return true;
    if (told.position - position >= 2) return true;
    if (position === 1 && told.position !== 1) return true;
    if (Math.abs(waitMs - told.waitMs) >= 0.5 * told.waitMs) return true;
    return now - told.at >= settings.reinformEveryMs;
  }

  async function checkOne(conversationId: string): Promise<void> {
    const now = clock();
    type CheckOutcome = {
      state: ConversationState;
      record: HandoffRecord;
      offer: OfferReason | null;
      text: string;
    } | null;
    const outcome = await withState<CheckOutcome>(conversationId, async (state, record) => {
      if (!record) {
        await queue.remove(conversationId);
        return { result: null };
      }
      if (record.status !== 'queued' || record.queuedAt === null) return { result: null };
      if (!settings.serviceHours.isOpen(now)) {
        // Nobody will claim any more today: the next line from the customer starts a message.
        const next: HandoffRecord = { ...record, status: 'awaiting_message', offer: 'after_hours' };
        return {
          record: next,
          result: { state, record: next, offer: 'after_hours', text: closedWhileQueuedText(now) },
        };
      }
      const status = await queueStatus(conversationId);
      if (record.offer === null && now.getTime() - record.queuedAt >= settings.claimTimeoutMs) {
        // Still in the queue (an agent may yet claim), with the choice to leave a message.
        const told = status ? { ...status, at: now.getTime() } : record.told;
        const next: HandoffRecord = { ...record, offer: 'timeout', told };
        const text = offerText('timeout', now, status?.position);
        return { record: next, result: { state, record: next, offer: 'timeout', text } };
      }
      if (
        !status ||
        !materiallyChanged(record.told, status.position, status.waitMs, now.getTime())
      ) {
        return { result: null };
      }
      const next: HandoffRecord = { ...record, told: { ...status, at: now.getTime() } };
      const text = `感谢您耐心等待，${queueLine(status.position, status.waitMs)}。回复「取消」可返回机器人服务。`;
      return { record: next, result: { state, record: next, offer: null, text } };
    });
    if (!outcome) return;
    await tellCustomer(outcome.state, [
      { type: 'event', event: 'handoff_queued', text: outcome.text, from: 'system' },
    ]);
    if (outcome.offer) {
      const why =
        outcome.offer === 'timeout'
          ? `等待超过${Math.round(settings.claimTimeoutMs / 60_000)}分钟无人接单`
          : '已到非工作时间';
      await toThread(outcome.record.threadKey, `${why}，已告知客户可以留言待回电（仍可接单）。`);
    }
  }

  async function checkQueue(): Promise<void> {
    let waiting: Awaited<ReturnType<HandoffQueue['waiting']>>;
    try {
      waiting = await queue.waiting();
    } catch (error) {
      // Redis away: the next periodic check tries again; a timer's rejection would end the process.
      log(`handoff: reading the queue failed: ${String(error)}`);
      return;
    }
    for (const entry of waiting) {
      try {
        await checkOne(entry.conversationId);
      } catch (error) {
        log(`handoff: queue check for ${entry.conversationId} failed: ${String(error)}`);
      }
    }
  }

  /** Others moved up: tell them now rather than at the next periodic check. Never rejects. */
  async function refreshQueue(): Promise<void> {
    if (checking) return;
    checking = checkQueue()
      .catch((error: unknown) => log(`handoff: queue check failed: ${String(error)}`))
      .finally(() => {
        checking = null;
      });
    await checking;
  }

  // ---- the runtime ----------------------------------------------------------------------------

  const publish = async (event: AgentEvent, eventId?: string): Promise<void> => {
    await bus.publish(eventId ?? randomUUID(), event);
  };

  return {
    start,
    relayCustomerMessage,
    cancel,
    leaveMessage,
    claimed: (conversationId, agent, eventId) =>
      publish({ type: 'claimed', conversationId, agent }, eventId),
    agentReply: (conversationId, agent, text, eventId) =>
      publish({ type: 'agent_reply', conversationId, agent, text }, eventId),
    closed: (conversationId, agent, eventId) =>
      publish({ type: 'closed', conversationId, agent }, eventId),
    conversationForThread: (threadKey) => queue.conversationForThread(threadKey),
    bindControl(next) {
      control = next;
    },
    async surveyCompleted(conversationId, score, comment) {
      const threadKey = await queue.threadForConversation(conversationId);
      if (!desk || !threadKey) return false;
      const remark = comment?.trim() ? `，意见：${masking.maskPersonalData(comment.trim())}` : '';
      await desk.postToThread(threadKey, `客户满意度评价：${score}分${remark}`);
      return true;
    },
    checkQueue,
    async startWorkers(options = {}) {
      await bus.start({ handle, deliverLocally });
      const every = options.checkEveryMs ?? 15_000;
      if (every > 0 && !checkTimer) {
        checkTimer = setInterval(() => void refreshQueue(), every);
        checkTimer.unref();
      }
    },
    async stopWorkers() {
      if (checkTimer) clearInterval(checkTimer);
      checkTimer = null;
      await checking;
      await summaries?.settled();
      await bus.stop();
    },
  };
}

/** The service when no agent desk is configured: every handoff offers to leave a message. */
export function createNoDeskHandoffService(deps: Omit<HandoffServiceDeps, 'desk'>): HandoffRuntime {
  return createHandoffService({ ...deps, desk: null });
}

/**
 * The desk needs AgentActions and the service needs the desk: build the desk with this forwarder,
 * then bind the service to it.
 */
export function lateAgentActions(): AgentActions & { bind(target: AgentActions): void } {
  let target: AgentActions | null = null;
  const need = (): AgentActions => {
    if (!target)
      throw new Error('handoff: agent actions used before the handoff service was bound');
    return target;
  };
  return {
    bind(next) {
      target = next;
    },
    claimed: (...args) => need().claimed(...args),
    agentReply: (...args) => need().agentReply(...args),
    closed: (...args) => need().closed(...args),
    conversationForThread: (threadKey) => need().conversationForThread(threadKey),
  };
}
