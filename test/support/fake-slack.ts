// A local fake of the Slack Web API (the methods the agent and ticket desks use, including the
// files upload v2 flow with a local upload URL and modals) that records every call and refuses what
// real Slack refuses (a call that is not a POST, a missing or unsupported Content-Type or charset,
// a body that does not parse, no token or a bad one, a token in a JSON body, missing or unknown
// channel, no text or blocks, an expired or missing trigger, a modal title over 24 characters, an
// upload without file name or length, completing an upload whose bytes never arrived), plus
// helpers that send correctly signed
// Events API and interactivity requests to the app, as Slack would. Requests are signed here with
// node:crypto per Slack's documented scheme, never with the product's own signing function.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSlackCall {
  method: string;
  args: Record<string, unknown>;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

export interface FakeSlackFile {
  id: string;
  filename: string;
  content: string;
  title?: string;
  channel?: string;
  thread_ts?: string;
  initial_comment?: string;
}

export interface FakeSlackEphemeral {
  channel: string;
  user: string;
  text: string;
}

export interface FakeSlackView {
  id: string;
  trigger_id: string;
  view: Record<string, unknown>;
}

export interface FakeSlack {
  url: string;
  /** chat.postEphemeral messages (only the named member saw them). */
  ephemerals: FakeSlackEphemeral[];
  /** Modals opened with views.open, in order. */
  views: FakeSlackView[];
  /** Top-level messages of a channel (cards, notices), oldest first. */
  channelMessages(channel: string): FakeSlackMessage[];
  /** Web API base for SLACK_API_URL / apiUrl. */
  apiUrl: string;
  calls: FakeSlackCall[];
  messages: FakeSlackMessage[];
  files: FakeSlackFile[];
  users: Map<string, { name: string; display_name: string; real_name: string }>;
  /** Make the next calls of a method fail with this Slack error code. */
  failNext(method: string, error: string): void;
  callsOf(method: string): FakeSlackCall[];
  threadReplies(channel: string, threadTs: string): FakeSlackMessage[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Slack's own checks on the request before any method runs, in its error vocabulary
 * (https://api.slack.com/web#posting_json and the common errors of every method).
 */
function requestError(
  httpMethod: string | undefined,
  contentType: string | undefined,
  raw: Buffer,
): string | null {
  // WebClient always POSTs; a desk that GETs a write method would leak arguments into URLs.
  if (httpMethod !== 'POST') return 'method_not_allowed';
  if (contentType === undefined || contentType.trim() === '')
    return raw.length > 0 ? 'missing_post_type' : null;
  const [type = '', ...parameters] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (!SLACK_POST_TYPES.includes(type)) return 'invalid_post_type';
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (charset !== undefined && !['utf-8', 'iso-8859-1'].includes(charset)) return 'invalid_charset';
  return null;
}

const SLACK_POST_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
];

function decodeArgs(contentType: string, raw: Buffer): Record<string, unknown> | null {
  const text = raw.toString('utf8');
  let flat: Record<string, unknown>;
  if (contentType.includes('application/json')) {
    try {
      const parsed = JSON.parse(text || '{}') as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
      flat = parsed as Record<string, unknown>;
    } catch {
      return null;
    }
  } else {
    flat = Object.fromEntries(new URLSearchParams(text));
  }
  for (const [k, v] of Object.entries(flat)) {
    if (typeof v === 'string' && /^[[{]/.test(v)) {
      try {
        flat[k] = JSON.parse(v);
      } catch {
        // a plain string that happens to start with a bracket
      }
    }
  }
  return flat;
}

export async function startFakeSlack(
  options: {
    botToken?: string;
    /** Channels the bot is in; others answer channel_not_found. Default: any C…/G… id. */
    channels?: string[];
  } = {},
): Promise<FakeSlack> {
  const botToken = options.botToken ?? 'xoxb-test';
  const knownChannel = (channel: unknown): channel is string =>
    typeof channel === 'string' &&
    (options.channels ? options.channels.includes(channel) : /^[CG][A-Z0-9_]+$/.test(channel));
  const hasContent = (args: Record<string, unknown>): boolean =>
    (typeof args.text === 'string' && args.text.trim() !== '') ||
    (Array.isArray(args.blocks) && args.blocks.length > 0);
  const ephemerals: FakeSlackEphemeral[] = [];
  const views: FakeSlackView[] = [];
  let viewCounter = 0;
  const calls: FakeSlackCall[] = [];
  const messages: FakeSlackMessage[] = [];
  const files: FakeSlackFile[] = [];
  const pendingUploads = new Map<string, { filename: string; content?: string }>();
  const failures = new Map<string, string[]>();
  const users = new Map([
    ['U_ZHANG', { name: 'zhangsan', display_name: '张三', real_name: '张三丰' }],
    ['U_LI', { name: 'lisi', display_name: '', real_name: '李四' }],
  ]);
  let tsCounter = 0;
  let fileCounter = 0;
  const nextTs = (): string => `1700000000.${String(++tsCounter).padStart(6, '0')}`;
  let base = '';

  const api = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const failing = failures.get(method);
    if (failing && failing.length > 0) return { ok: false, error: failing.shift() };
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'U_BOT', bot_id: 'B_BOT', team_id: 'T_TEAM', user: 'csbot' };
      case 'chat.postMessage': {
        if (!knownChannel(args.channel)) return { ok: false, error: 'channel_not_found' };
        if (!hasContent(args)) return { ok: false, error: 'no_text' };
        if (args.blocks !== undefined && !Array.isArray(args.blocks))
          return { ok: false, error: 'invalid_blocks' };
        if (
          typeof args.thread_ts === 'string' &&
          !messages.some((m) => m.channel === args.channel && m.ts === args.thread_ts)
        )
          return { ok: false, error: 'thread_not_found' };
        const message: FakeSlackMessage = {
          channel: args.channel,
          ts: nextTs(),
          text: String(args.text ?? ''),
          ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
          ...(typeof args.thread_ts === 'string' ? { thread_ts: args.thread_ts } : {}),
        };
        messages.push(message);
        return { ok: true, channel: message.channel, ts: message.ts, message };
      }
      case 'chat.update': {
        if (!knownChannel(args.channel)) return { ok: false, error: 'channel_not_found' };
        if (!hasContent(args)) return { ok: false, error: 'no_text' };
        const message = messages.find((m) => m.channel === args.channel && m.ts === args.ts);
        if (!message) return { ok: false, error: 'message_not_found' };
        message.text = String(args.text ?? message.text);
        if (Array.isArray(args.blocks)) message.blocks = args.blocks;
        return { ok: true, channel: message.channel, ts: message.ts };
      }
      case 'chat.postEphemeral': {
        if (!knownChannel(args.channel)) return { ok: false, error: 'channel_not_found' };
        if (typeof args.user !== 'string' || !users.has(args.user))
          return { ok: false, error: 'user_not_in_channel' };
        if (!hasContent(args)) return { ok: false, error: 'no_text' };
        ephemerals.push({ channel: args.channel, user: args.user, text: String(args.text ?? '') });
        return { ok: true, message_ts: nextTs() };
      }
      case 'views.open': {
        // Triggers come from an interaction and expire after 3 seconds; each opens one view.
        const trigger = args.trigger_id;
        if (typeof trigger !== 'string' || !trigger.startsWith('trigger-'))
          return { ok: false, error: 'invalid_trigger_id' };
        if (views.some((v) => v.trigger_id === trigger))
          return { ok: false, error: 'expired_trigger_id' };
        const view = args.view as Record<string, unknown> | undefined;
        const title = (view?.title as { text?: string } | undefined)?.text ?? '';
        if (!view || view.type !== 'modal' || !Array.isArray(view.blocks))
          return { ok: false, error: 'invalid_arguments' };
        if (title.length === 0 || title.length > 24)
          return {
            ok: false,
            error: 'invalid_arguments',
            response_metadata: {
              messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'],
            },
          };
        const opened = { id: `V${++viewCounter}`, trigger_id: trigger, view };
        views.push(opened);
        return { ok: true, view: { id: opened.id, ...view } };
      }
      case 'conversations.history': {
        const latest = typeof args.latest === 'string' ? Number(args.latest) : Infinity;
        const inclusive = args.inclusive === 'true' || args.inclusive === true;
        const found = messages
          .filter((m) => m.channel === args.channel && !m.thread_ts)
          .filter((m) => (inclusive ? Number(m.ts) <= latest : Number(m.ts) < latest))
          .sort((a, b) => Number(b.ts) - Number(a.ts))
          .slice(0, Number(args.limit ?? 100));
        return { ok: true, messages: found };
      }
      case 'users.info': {
        const user = users.get(String(args.user));
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: args.user,
            name: user.name,
            real_name: user.real_name,
            profile: { display_name: user.display_name, real_name: user.real_name },
          },
        };
      }
      case 'files.getUploadURLExternal': {
        const length = Number(args.length);
        if (typeof args.filename !== 'string' || args.filename.trim() === '')
          return { ok: false, error: 'invalid_arguments' };
        if (!Number.isInteger(length) || length <= 0)
          return { ok: false, error: 'invalid_arguments' };
        const id = `F${++fileCounter}`;
        pendingUploads.set(id, { filename: String(args.filename ?? '') });
        return { ok: true, file_id: id, upload_url: `${base}/upload/${id}` };
      }
      case 'files.completeUploadExternal': {
        if (!Array.isArray(args.files) || args.files.length === 0)
          return { ok: false, error: 'invalid_arguments' };
        const list = args.files as { id: string; title?: string }[];
        if (args.channel_id !== undefined && !knownChannel(args.channel_id))
          return { ok: false, error: 'channel_not_found' };
        for (const f of list) {
          const pending = pendingUploads.get(f.id);
          if (!pending || pending.content === undefined)
            return { ok: false, error: 'file_not_found' };
          files.push({
            id: f.id,
            filename: pending.filename,
            content: pending.content,
            ...(f.title ? { title: f.title } : {}),
            ...(typeof args.channel_id === 'string' ? { channel: args.channel_id } : {}),
            ...(typeof args.thread_ts === 'string' ? { thread_ts: args.thread_ts } : {}),
            ...(typeof args.initial_comment === 'string'
              ? { initial_comment: args.initial_comment }
              : {}),
          });
        }
        return { ok: true, files: list.map((f) => ({ id: f.id, title: f.title })) };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', base);
      const send = (status: number, body: unknown, type = 'application/json'): void => {
        res.writeHead(status, { 'content-type': type });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      const upload = /^\/upload\/(F\d+)$/.exec(url.pathname);
      if (upload) {
        const pending = pendingUploads.get(upload[1]!);
        if (!pending) return send(404, 'no such upload', 'text/plain');
        // WebClient posts the bytes as multipart/form-data; parse it as a browser would.
        const form = await new Response(new Uint8Array(raw), {
          headers: { 'content-type': req.headers['content-type'] ?? '' },
        }).formData();
        let part: unknown;
        form.forEach((v) => {
          if (typeof v !== 'string') part = v;
        });
        pending.content = part ? await (part as Blob).text() : raw.toString('utf8');
        calls.push({
          method: 'upload',
          args: { file_id: upload[1], length: pending.content.length },
        });
        return send(200, `OK - ${pending.content.length}`, 'text/plain');
      }
      const method = url.pathname.replace(/^\/api\//, '');
      const contentType = req.headers['content-type'];
      const refused = requestError(req.method, contentType, raw);
      const args = refused === null ? decodeArgs(contentType ?? '', raw) : null;
      calls.push({ method, args: args ?? {} });
      if (refused === 'method_not_allowed') return send(405, { ok: false, error: refused });
      if (refused !== null) return send(200, { ok: false, error: refused });
      if (args === null) return send(200, { ok: false, error: 'invalid_json' });
      // A JSON body cannot carry the token (Slack reads it from the header only); a form can.
      const isJson = (contentType ?? '').includes('application/json');
      const given = req.headers.authorization?.startsWith('Bearer ')
        ? req.headers.authorization.slice('Bearer '.length)
        : isJson
          ? undefined
          : typeof args.token === 'string'
            ? args.token
            : undefined;
      if (given === undefined || given === '') return send(200, { ok: false, error: 'not_authed' });
      if (given !== botToken) return send(200, { ok: false, error: 'invalid_auth' });
      return send(200, api(method, args));
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    apiUrl: `${base}/api/`,
    ephemerals,
    views,
    channelMessages: (channel) => messages.filter((m) => m.channel === channel && !m.thread_ts),
    calls,
    messages,
    files,
    users,
    failNext(method, error) {
      failures.set(method, [...(failures.get(method) ?? []), error]);
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    threadReplies: (channel, threadTs) =>
      messages.filter((m) => m.channel === channel && m.thread_ts === threadTs),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---- signed requests to the app, as Slack sends them ------------------------------------------

export interface SignedRequestOptions {
  signingSecret: string;
  /** Seconds since epoch; defaults to now. */
  timestamp?: number;
  /** Overrides the computed signature (forgery tests). */
  signature?: string;
  retryNum?: number;
}

export interface SlackRequest {
  headers: Record<string, string>;
  body: string;
}

/** Signs a raw body as Slack does: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}"), in hex. */
export function signedBody(
  body: string,
  contentType: string,
  options: SignedRequestOptions,
): SlackRequest {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature':
        options.signature ??
        `v0=${createHmac('sha256', options.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
      ...(options.retryNum !== undefined
        ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': 'http_timeout' }
        : {}),
    },
  };
}

let eventCounter = 0;

/** An Events API event_callback envelope. */
export function eventCallback(
  event: Record<string, unknown>,
  eventId = `Ev${Date.now()}${++eventCounter}`,
): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T_TEAM',
    api_app_id: 'A_APP',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event,
  };
}

/** A human's reply in a thread of the handoff channel. */
export function threadReply(
  channel: string,
  threadTs: string,
  user: string,
  text: string,
): Record<string, unknown> {
  return {
    type: 'message',
    channel,
    channel_type: 'channel',
    user,
    text,
    ts: `1700009999.${String(++eventCounter).padStart(6, '0')}`,
    thread_ts: threadTs,
  };
}

/** A block_actions payload for a button in a message. */
export function buttonClick(input: {
  actionId: string;
  value: string;
  user: { id: string; name: string };
  channel: string;
  messageTs: string;
}): Record<string, unknown> {
  const actionTs = `1700008888.${String(++eventCounter).padStart(6, '0')}`;
  return {
    type: 'block_actions',
    team: { id: 'T_TEAM', domain: 'example' },
    user: {
      id: input.user.id,
      username: input.user.name,
      name: input.user.name,
      team_id: 'T_TEAM',
    },
    api_app_id: 'A_APP',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${actionTs}`,
    container: {
      type: 'message',
      message_ts: input.messageTs,
      channel_id: input.channel,
      is_ephemeral: false,
    },
    channel: { id: input.channel, name: 'handoff' },
    message: { type: 'message', ts: input.messageTs, text: '' },
    response_url: 'http://127.0.0.1:9/unused',
    actions: [
      {
        type: 'button',
        action_id: input.actionId,
        block_id: 'handoff_actions',
        value: input.value,
        text: { type: 'plain_text', text: input.actionId },
        action_ts: actionTs,
      },
    ],
  };
}

/** A view_submission payload: a member pressed 提交 on a modal the app opened. */
export function viewSubmission(input: {
  view: FakeSlackView;
  user: { id: string; name: string };
  /** block_id -> the entered text, or the picked option's value for selects. */
  values: Record<string, string | null>;
}): Record<string, unknown> {
  const blocks = (
    input.view.view.blocks as { block_id?: string; element?: { type?: string } }[]
  ).filter((b) => b.block_id);
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of blocks) {
    const entered = input.values[block.block_id!] ?? null;
    const type = block.element?.type ?? 'plain_text_input';
    values[block.block_id!] = {
      value:
        type === 'static_select'
          ? {
              type,
              selected_option:
                entered === null
                  ? null
                  : { text: { type: 'plain_text', text: entered }, value: entered },
            }
          : { type, value: entered },
    };
  }
  return {
    type: 'view_submission',
    team: { id: 'T_TEAM', domain: 'example' },
    user: {
      id: input.user.id,
      username: input.user.name,
      name: input.user.name,
      team_id: 'T_TEAM',
    },
    api_app_id: 'A_APP',
    token: 'legacy-verification-token',
    trigger_id: `trigger-submit-${++eventCounter}`,
    view: {
      id: input.view.id,
      team_id: 'T_TEAM',
      type: 'modal',
      callback_id: input.view.view.callback_id,
      private_metadata: input.view.view.private_metadata,
      blocks: input.view.view.blocks,
      state: { values },
      hash: `hash-${eventCounter}`,
      title: input.view.view.title,
      app_id: 'A_APP',
      bot_id: 'B_BOT',
    },
    response_urls: [],
  };
}

export function signedEvent(
  payload: Record<string, unknown>,
  options: SignedRequestOptions,
): SlackRequest {
  return signedBody(JSON.stringify(payload), 'application/json', options);
}

export function signedInteraction(
  payload: Record<string, unknown>,
  options: SignedRequestOptions,
): SlackRequest {
  return signedBody(
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    'application/x-www-form-urlencoded',
    options,
  );
}

/** POSTs a signed request to the app (e.g. http://127.0.0.1:PORT/slack/events). */
export async function postToApp(
  url: string,
  request: SlackRequest,
): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  return { status: res.status, body: await res.text() };
}
