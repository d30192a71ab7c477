// The Slack agent desk: one thread per handoff in the configured channel, a masked header with
// 接单/结束 buttons, the transcript attached as a file (or, with HANDOFF_TRANSCRIPT=link, a link to
// it in the service console instead), and agent thread replies sent back to
// the handoff service. Receives Slack over HTTP on the app's fastify server or over Socket Mode.
import { App, LogLevel } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type {
  AgentActions,
  AgentDesk,
  AgentRef,
  ThreadHeader,
  ThreadOpening,
} from '../../handoff/desk.ts';
import { channelText } from '../../handoff/render.ts';
import {
  consoleTranscriptUrl,
  FILE_TRANSCRIPTS,
  type HandoffTranscriptMode,
} from '../../handoff/transcript-link.ts';
import type { TicketDesk, TicketDeskActions } from '../../tickets/desk.ts';
import { FastifySlackReceiver } from './receiver.ts';
import { createSlackTicketDesk } from './ticket-desk.ts';

export interface SlackDeskOptions {
  botToken: string;
  signingSecret: string;
  /** The channel (C… or G…) where handoff threads are opened; the bot must be a member. */
  channelId: string;
  /** Web API base URL; tests point it at a local fake (SLACK_API_URL). */
  apiUrl?: string;
  /** xapp- token; with socketMode, Slack is reached over a web socket instead of /slack/events. */
  appToken?: string;
  socketMode?: boolean;
  /** The transcript as a file in the thread (default), or a console link with no file sent. */
  transcript?: HandoffTranscriptMode;
  clock?: () => Date;
  log?: (message: string) => void;
}

export interface SlackDesk extends AgentDesk {
  /** The department desks (ticket cards) on the same app, when ticket actions were given. */
  tickets: TicketDesk | null;
  /** Mounts POST /slack/events (Events API and interactivity). No-op in Socket Mode. */
  registerRoutes(server: FastifyInstance): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_CHANNEL_ID, SLACK_APP_TOKEN, SLACK_SOCKET_MODE, SLACK_API_URL. */
export function slackDeskOptionsFromEnv(
  env: Record<string, string | undefined>,
): SlackDeskOptions | null {
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  const channelId = env.SLACK_CHANNEL_ID?.trim();
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim() ?? '';
  const appToken = env.SLACK_APP_TOKEN?.trim();
  if (!botToken && !channelId) return null;
  if (!botToken || !channelId)
    throw new Error('Slack desk needs both SLACK_BOT_TOKEN and SLACK_CHANNEL_ID');
  const socketMode = appToken
    ? !['false', '0', 'no'].includes((env.SLACK_SOCKET_MODE ?? 'true').toLowerCase())
    : false;
  if (!socketMode && !signingSecret)
    throw new Error('Slack desk over HTTP needs SLACK_SIGNING_SECRET');
  return {
    botToken,
    signingSecret,
    channelId,
    ...(env.SLACK_API_URL?.trim() ? { apiUrl: env.SLACK_API_URL.trim() } : {}),
    ...(appToken ? { appToken } : {}),
    socketMode,
  };
}

const CLAIM_ACTION = 'handoff_claim';
const CLOSE_ACTION = 'handoff_close';
const STATE_BLOCK = 'handoff_state';
const ACTIONS_BLOCK = 'handoff_actions';

type Block = Record<string, unknown>;

/** Customer text must not ping (@channel) or link in Slack: escape its control characters. */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack escapes these in message text; the customer should see the agent's characters. */
export function unescapeSlackText(text: string): string {
  return text
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function button(text: string, actionId: string, value: string, style: 'primary' | 'danger'): Block {
  return { type: 'button', text: { type: 'plain_text', text }, action_id: actionId, value, style };
}

/**
 * The thread header. With `contentInConsole` (HANDOFF_TRANSCRIPT=link) nothing the customer wrote
 * goes to Slack: no summary lines and no ticket fields, only where to read them.
 */
export function headerBlocks(header: ThreadHeader, contentInConsole = false): Block[] {
  const e = escapeSlackText;
  const lines = [
    `*转人工请求* · 会话 \`${header.conversationRef}\``,
    `*渠道*：${channelText(header.channel)}`,
    `*原因*：${e(header.reasonText)}`,
    `*识别到的意图*：${header.intentsSeen.length ? e(header.intentsSeen.join('、')) : '无'}`,
  ];
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }];
  if (contentInConsole) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*会话内容*：${header.ticketFields.length > 0 ? '含投诉工单，' : ''}请登录服务控制台查看（链接见线程）`,
      },
    });
  }
  if (header.ticketFields.length > 0 && !contentInConsole) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          '*投诉工单*',
          ...header.ticketFields.map((f) => `${e(f.label)}：${e(f.value)}`),
        ].join('\n'),
      },
    });
  }
  if (!contentInConsole)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*摘要*：${e(header.summary)}` },
    });
  blocks.push({
    type: 'context',
    block_id: STATE_BLOCK,
    elements: [{ type: 'mrkdwn', text: `状态：${e(header.status)}` }],
  });
  blocks.push({
    type: 'actions',
    block_id: ACTIONS_BLOCK,
    elements: [
      button('接单', CLAIM_ACTION, header.conversationId, 'primary'),
      button('结束', CLOSE_ACTION, header.conversationId, 'danger'),
    ],
  });
  return blocks;
}

/** Slack does not retry interactivity, but a double click must not act twice: trigger id + ts. */
function actionEventId(body: object, action: object): string {
  const trigger = 'trigger_id' in body ? String(body.trigger_id) : '';
  const ts = 'action_ts' in action ? String(action.action_ts) : '';
  return `${trigger}:${ts}`;
}

function parseThreadKey(threadKey: string): { channel: string; ts: string } {
  const at = threadKey.indexOf(':');
  if (at <= 0) throw new Error(`not a Slack thread key: ${threadKey}`);
  return { channel: threadKey.slice(0, at), ts: threadKey.slice(at + 1) };
}

export function createSlackDesk(
  options: SlackDeskOptions,
  actions: AgentActions,
  ticketActions?: TicketDeskActions,
): SlackDesk {
  const log = options.log ?? ((m: string) => console.error(m));
  const clientOptions = {
    ...(options.apiUrl
      ? { slackApiUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/` }
      : {}),
    retryConfig: { retries: 2, minTimeout: 200, maxTimeout: 1000 },
  };
  const socketMode = Boolean(options.socketMode && options.appToken);
  const receiver = socketMode
    ? null
    : new FastifySlackReceiver({
        signingSecret: options.signingSecret,
        ...(options.clock ? { clock: options.clock } : {}),
        log,
      });
  const app = socketMode
    ? new App({
        token: options.botToken,
        appToken: options.appToken!,
        socketMode: true,
        clientOptions,
        logLevel: LogLevel.WARN,
      })
    : new App({
        token: options.botToken,
        receiver: receiver!,
        // Authorization (auth.test) waits for the first request, so building the desk needs no network.
        tokenVerificationEnabled: false,
        clientOptions,
        logLevel: LogLevel.WARN,
      });
  const client = app.client;
  const names = new Map<string, string>();

  async function agentOf(userId: string, fallback?: string): Promise<AgentRef> {
    const known = names.get(userId);
    if (known) return { id: userId, name: known };
    try {
      const info = await client.users.info({ user: userId });
      const user = info.user;
      const name =
        user?.profile?.display_name || user?.real_name || user?.name || fallback || userId;
      names.set(userId, name);
      return { id: userId, name };
    } catch (error) {
      log(`slack: users.info ${userId} failed: ${String(error)}`);
      return { id: userId, name: fallback || userId };
    }
  }

  // Claim and close are the same button shape: the ticket id in the value, the clicking agent.
  const onTicketButton = (
    actionId: string,
    kind: 'claim' | 'close',
    handle: (ticketId: string, agent: AgentRef, eventId: string) => Promise<void>,
  ): void => {
    app.action(actionId, async ({ ack, body, action }) => {
      await ack();
      if (action.type !== 'button' || !action.value) return;
      const agent = await agentOf(
        body.user.id,
        'name' in body.user ? String(body.user.name) : undefined,
      );
      await handle(action.value, agent, `${kind}:${actionEventId(body, action)}`);
    });
  };
  onTicketButton(CLAIM_ACTION, 'claim', (id, agent, eventId) =>
    actions.claimed(id, agent, eventId),
  );
  onTicketButton(CLOSE_ACTION, 'close', (id, agent, eventId) => actions.closed(id, agent, eventId));

  app.event('message', async ({ event, body }) => {
    const message = event as unknown as Record<string, unknown>;
    // Only human replies inside a handoff thread: no bot posts, edits, joins or top-level messages.
    if (message.channel !== options.channelId) return;
    if (message.subtype !== undefined || message.bot_id !== undefined) return;
    const threadTs = typeof message.thread_ts === 'string' ? message.thread_ts : null;
    const user = typeof message.user === 'string' ? message.user : null;
    const text = typeof message.text === 'string' ? unescapeSlackText(message.text).trim() : '';
    if (!threadTs || threadTs === message.ts || !user || !text) return;
    const conversationId = await actions.conversationForThread(`${options.channelId}:${threadTs}`);
    if (!conversationId) return;
    const agent = await agentOf(user);
    const eventId = typeof body.event_id === 'string' ? body.event_id : `msg:${String(message.ts)}`;
    await actions.agentReply(conversationId, agent, text, eventId);
  });

  const tickets = ticketActions
    ? createSlackTicketDesk({
        app,
        client,
        actions: ticketActions,
        memberName: async (userId, fallback) => (await agentOf(userId, fallback)).name,
        log,
      })
    : null;

  app.error(async (error) => {
    log(`slack: listener failed: ${String(error)}`);
  });

  async function currentBlocks(channel: string, ts: string): Promise<Block[]> {
    const history = await client.conversations.history({
      channel,
      latest: ts,
      inclusive: true,
      limit: 1,
    });
    const message = history.messages?.find((m) => m.ts === ts);
    return ((message?.blocks ?? []) as Block[]).filter(
      (b) => b.block_id !== STATE_BLOCK && b.block_id !== ACTIONS_BLOCK,
    );
  }

  async function updateHeader(
    threadKey: string,
    state: string,
    withClose: boolean,
    conversationId?: string,
  ): Promise<void> {
    const { channel, ts } = parseThreadKey(threadKey);
    const blocks = await currentBlocks(channel, ts);
    blocks.push({
      type: 'context',
      block_id: STATE_BLOCK,
      elements: [{ type: 'mrkdwn', text: `状态：${escapeSlackText(state)}` }],
    });
    if (withClose && conversationId) {
      blocks.push({
        type: 'actions',
        block_id: ACTIONS_BLOCK,
        elements: [button('结束', CLOSE_ACTION, conversationId, 'danger')],
      });
    }
    await client.chat.update({
      channel,
      ts,
      text: `转人工请求（${state}）`,
      blocks: blocks as never,
    });
  }

  return {
    tickets,
    async openThread(opening: ThreadOpening): Promise<string> {
      const transcript = options.transcript ?? FILE_TRANSCRIPTS;
      const posted = await client.chat.postMessage({
        channel: options.channelId,
        text: `转人工请求：${opening.header.reasonText}（会话 ${opening.header.conversationRef}）`,
        blocks: headerBlocks(opening.header, transcript.mode === 'link') as never,
        unfurl_links: false,
      });
      if (!posted.ts) throw new Error('slack: chat.postMessage returned no ts');
      const channel = posted.channel ?? options.channelId;
      if (transcript.mode === 'link') {
        // The customer's words stay on the firm's network: agents sign in to the console to read.
        const url = consoleTranscriptUrl(transcript.consoleUrl, opening.header.conversationId);
        try {
          await client.chat.postMessage({
            channel,
            thread_ts: posted.ts,
            text: `完整会话记录（已脱敏）请登录服务控制台查看：<${url}|打开会话记录>（会话 ${opening.header.conversationRef}）`,
            unfurl_links: false,
            unfurl_media: false,
          });
        } catch (error) {
          log(`slack: transcript link not posted: ${String(error)}`);
        }
        return `${channel}:${posted.ts}`;
      }
      try {
        await client.filesUploadV2({
          channel_id: channel,
          thread_ts: posted.ts,
          file: Buffer.from(opening.transcriptText, 'utf8'),
          filename: opening.transcriptFileName,
          title: '会话记录（已脱敏）',
          initial_comment: '完整会话记录见附件（个人信息已脱敏）。',
        });
      } catch (error) {
        // The header and thread work without the file; agents are told it is missing.
        log(`slack: transcript upload failed: ${String(error)}`);
        await client.chat.postMessage({
          channel,
          thread_ts: posted.ts,
          text: '会话记录附件上传失败，请查看管理后台。',
        });
      }
      return `${channel}:${posted.ts}`;
    },

    async postToThread(threadKey, text) {
      const { channel, ts } = parseThreadKey(threadKey);
      await client.chat.postMessage({
        channel,
        thread_ts: ts,
        text: escapeSlackText(text),
        unfurl_links: false,
      });
    },

    async markClaimed(threadKey, agent) {
      const conversationId = await actions.conversationForThread(threadKey);
      await updateHeader(threadKey, `${agent.name} 已接单`, true, conversationId ?? undefined);
      await this.postToThread(
        threadKey,
        `${agent.name} 已接单，客户已收到客服接入通知。请直接在此线程回复客户。`,
      );
    },

    async markEnded(threadKey, note) {
      await updateHeader(threadKey, `已结束：${note}`, false);
    },

    registerRoutes(server) {
      if (!receiver) {
        log('slack: Socket Mode is on; /slack/events is not mounted');
        return;
      }
      receiver.register(server);
    },

    async start() {
      if (socketMode) await app.start();
    },

    async stop() {
      if (socketMode) await app.stop();
    },
  };
}
