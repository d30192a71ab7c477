// The web channel: REST for server-to-server use and polling, a WebSocket for the widget, the
// widget's static files, and the outlet that pushes later messages (agent replies) to open tabs.
import { readFileSync } from 'node:fs';
import websocket from '@fastify/websocket';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { ChannelOutlet, ConversationGateway, DeliveryTarget } from '../../core/gateway.ts';
import type { InboundMessage, OutboundMessage } from '../../core/message.ts';
import type { TranscriptStore } from '../../store/types.ts';
import {
  createIpRateLimiter,
  guardGateway,
  rateLimitedReply,
  TokenBucketLimiter,
  type GuardOptions,
  type IpRateLimiter,
  type TokenBucketOptions,
} from '../edge-policy.ts';
import { internalConversationId, resolveConversation } from './conversation-ids.ts';
import {
  DEFAULT_HISTORY_PAGE,
  parseAfter,
  parseClientFrame,
  parseLimit,
  parseConversationId,
  parseOptionalConversationId,
  parseTurnBody,
  type ParseLimits,
  type WebError,
  type WebTurn,
} from './parse.ts';
import { ConversationSockets, sendFrame, type ServerFrame } from './sockets.ts';
import {
  isCustomerVisible,
  viewOfEntry,
  viewOfInbound,
  viewOfOutbound,
  type WebMessageView,
} from './view.ts';

/** The part of a pino/fastify logger the channel uses. */
export interface WebChannelLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface WebChannelOptions {
  /** Hard ceiling for `text` (400 above it). Default 4000. */
  maxTextLength?: number;
  /** Polite maximum length (and refusal metrics); `false` turns the guard off. */
  guard?: GuardOptions | false;
  /** Per-client-IP limit on /api/web/* requests, socket upgrades and socket messages. */
  ipRateLimit?: (Partial<TokenBucketOptions> & { maxTrackedIps?: number }) | false;
  /** Messages per WebSocket; over it a message is refused, and a flood closes the socket. */
  socketRateLimit?: TokenBucketOptions | false;
  /** Refused messages on one socket within a minute that close it (code 1008). Default 100. */
  socketCloseAfterRefused?: number;
  /** Open sockets per client IP. Default 20. */
  maxSocketsPerIp?: number;
  /** Origins allowed to call the REST API from a browser (CORS). Default '*'. */
  allowedOrigins?: '*' | string[];
  /** Serve the demo page at `/`. Default true. */
  demoPage?: boolean;
  /** WebSocket ping interval; dead sockets are dropped after one missed pong. Default 30 s. */
  heartbeatMs?: number;
  /** The AI-generated-content label the widget shows in its header (firm.yaml `aiLabel`). */
  aiLabel?: () => string | undefined;
  now?: () => Date;
}

export interface WebChannelDeps {
  gateway: ConversationGateway;
  transcripts: TranscriptStore;
  logger?: WebChannelLogger;
  options?: WebChannelOptions;
}

const PUBLIC_DIR = new URL('./public/', import.meta.url);
const BODY_LIMIT = 64 * 1024;
/** A socket frame carries one message of at most 4000 characters (12 KB of UTF-8) and its fields. */
const FRAME_LIMIT = 16 * 1024;
/** A client that stops reading its socket is cut off before its unread frames fill our memory. */
const MAX_UNREAD_BYTES = 1024 * 1024;
const REFUSAL_WINDOW_MS = 60_000;
/** Where widget.js takes the server's settings (the AI label). */
const SETTINGS_PLACEHOLDER = '/*csbot:settings*/ {}';

/** Registers the web channel's routes on `server` and returns its outlet for later messages. */
export function registerWebChannel(server: FastifyInstance, deps: WebChannelDeps): ChannelOutlet {
  const options = deps.options ?? {};
  const logger: WebChannelLogger = deps.logger ?? server.log;
  const now = options.now ?? (() => new Date());
  const limits: ParseLimits = { maxTextLength: options.maxTextLength ?? 4000 };
  const gateway =
    options.guard === false ? deps.gateway : guardGateway(deps.gateway, options.guard ?? {});
  const sockets = new ConversationSockets();
  const widgetJs = readFileSync(new URL('widget.js', PUBLIC_DIR), 'utf8');
  const demoHtml = readFileSync(new URL('index.html', PUBLIC_DIR));
  const ipLimiter: IpRateLimiter | null =
    options.ipRateLimit === false ? null : createIpRateLimiter(options.ipRateLimit ?? {});
  const socketsPerIp = new Map<string, number>();
  const maxSocketsPerIp = options.maxSocketsPerIp ?? 20;
  const closeAfterRefused = options.socketCloseAfterRefused ?? 100;

  function inboundOf(publicId: string, turn: WebTurn): InboundMessage {
    const conversationId = internalConversationId(publicId);
    const message: InboundMessage = {
      channel: 'web',
      conversationId,
      userId: conversationId,
      receivedAt: now().toISOString(),
      content: turn.content,
    };
    if (turn.messageId !== undefined) message.channelMessageId = turn.messageId;
    return message;
  }

  /** One customer turn from any transport; tabs other than `origin` see it too. */
  async function runTurn(
    publicId: string,
    turn: WebTurn,
    origin?: WebSocket,
  ): Promise<OutboundMessage[]> {
    const message = inboundOf(publicId, turn);
    const { conversationId, receivedAt } = message;
    const watched = sockets.count(conversationId) > 0;
    if (watched) sockets.broadcast(conversationId, { type: 'typing', active: true });
    try {
      const replies = await gateway.handleInbound(message);
      if (watched || sockets.count(conversationId) > 0) {
        const echo = viewOfInbound(turn.content, receivedAt);
        const at = now().toISOString();
        const views = replies.map((reply) => viewOfOutbound(reply, at));
        sockets.broadcast(conversationId, { type: 'typing', active: false });
        sockets.broadcast(
          conversationId,
          { type: 'messages', messages: echo ? [echo, ...views] : views },
          origin,
        );
      }
      return replies;
    } catch (error) {
      sockets.broadcast(conversationId, { type: 'typing', active: false });
      throw error;
    }
  }

  /** One page of history: at most `limit` lines after `after`, and whether more follow. */
  async function history(
    publicId: string,
    after: number,
    limit: number,
  ): Promise<{ messages: WebMessageView[]; cursor: number; more: boolean }> {
    const entries = await deps.transcripts.list(internalConversationId(publicId), {
      afterSeq: after,
      limit: limit + 1,
    });
    const page = entries.slice(0, limit);
    const last = page[page.length - 1];
    return {
      messages: page.filter(isCustomerVisible).map(viewOfEntry),
      // Hidden lines still advance the cursor, so polling never fetches them again.
      cursor: last ? Math.max(after, last.seq) : after,
      more: entries.length > limit,
    };
  }

  const allowed = options.allowedOrigins ?? '*';

  /** Browsers send Origin on socket upgrades too; the bot's own pages are always allowed. */
  function originAllowed(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (allowed === '*' || !origin || allowed.includes(origin)) return true;
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }

  function handleSocket(socket: WebSocket, request: FastifyRequest): void {
    const query = request.query as Record<string, unknown>;
    const requested = parseOptionalConversationId(query.conversationId);
    const after = parseAfter(query.after);
    const refuse = (error: Omit<WebError, 'status'>) => {
      sendFrame(socket, { type: 'error', error });
      socket.close(1008, error.code);
    };
    if (!requested.ok) return refuse(publicError(requested.error));
    if (!after.ok) return refuse(publicError(after.error));
    if (!originAllowed(request)) {
      return refuse({ code: 'forbidden_origin', message: 'this origin may not open the chat' });
    }
    const ip = request.ip;
    const open = socketsPerIp.get(ip) ?? 0;
    if (open >= maxSocketsPerIp) {
      return refuse({
        code: 'rate_limited',
        message: '同时打开的会话窗口过多，请关闭一些后再试。',
      });
    }
    socketsPerIp.set(ip, open + 1);
    const limiter =
      options.socketRateLimit === false
        ? null
        : new TokenBucketLimiter(options.socketRateLimit ?? { capacity: 30, refillPerSecond: 2 });
    let refused = { count: 0, since: 0, noticeAt: -Infinity };
    let closed = false;
    let conversationId: string | null = null;

    // Frames wait for the history (so replies never overtake it), then go to the gateway in
    // arrival order without waiting for each other: a burst can be read together.
    const ready: Promise<string | null> = resolveConversation(deps.transcripts, requested.value)
      .then(async ({ publicId, issued }) => {
        conversationId = internalConversationId(publicId);
        if (closed) return null;
        sockets.add(conversationId, socket);
        await sendHistory(socket, publicId, issued ? 0 : after.value);
        return publicId;
      })
      .catch((error: unknown) => {
        logger.error({ err: error, conversationId }, 'web chat: reading history failed');
        sendFrame(socket, { type: 'error', error: internalError() });
        socket.close(1011, 'internal_error');
        return null;
      });

    function overLimit(): boolean {
      const socketOk = limiter ? limiter.take('socket').ok : true;
      const ipOk = ipLimiter ? ipLimiter.take(ip).ok : true;
      return !(socketOk && ipOk);
    }

    function refuseFrame(data: string | null): void {
      const at = Date.now();
      if (at - refused.since > REFUSAL_WINDOW_MS)
        refused = { count: 0, since: at, noticeAt: -Infinity };
      refused.count += 1;
      if (refused.count > closeAfterRefused) {
        // Far beyond what a person types: a script. It may come back, under the IP limit.
        closed = true;
        socket.close(1008, 'too many messages');
        // A flooding client rarely answers the closing handshake: it is cut off soon after.
        setTimeout(() => socket.terminate(), 1000).unref();
        return;
      }
      // One notice a second at most, so a flood cannot make us write a flood back.
      if (at - refused.noticeAt >= 1000) {
        refused.noticeAt = at;
        sendFrame(socket, {
          type: 'error',
          error: { code: 'rate_limited', message: rateLimitedReply().text },
        });
      }
      void ready.then((publicId) => {
        if (publicId === null || data === null) return;
        const frame = parseClientFrame(data, limits);
        if (!frame.ok || frame.value.type !== 'turn') return;
        const message = inboundOf(publicId, frame.value.turn);
        const replies = [rateLimitedReply()];
        if (options.guard !== false) options.guard?.onRefused?.(message, 'rate_limited', replies);
        deps.gateway.recordRefused?.(message, replies, 'rate_limited').catch((error: unknown) => {
          logger.warn({ err: error, conversationId }, 'web chat: recording a refusal failed');
        });
      });
    }

    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (closed) return;
      const text = isBinary ? null : rawToString(data);
      if (overLimit()) return refuseFrame(text);
      void ready.then(async (publicId) => {
        if (publicId !== null && !closed) await handleFrame(socket, publicId, text);
      });
    });
    socket.on('close', () => {
      closed = true;
      if (conversationId) sockets.remove(conversationId, socket);
      const left = (socketsPerIp.get(ip) ?? 1) - 1;
      if (left <= 0) socketsPerIp.delete(ip);
      else socketsPerIp.set(ip, left);
    });
    socket.on('error', (error) => {
      logger.warn({ err: error, conversationId }, 'web chat: socket error');
    });
  }

  /** The first page as the `history` frame, later pages as `messages` frames, in order. */
  async function sendHistory(socket: WebSocket, publicId: string, after: number): Promise<void> {
    let page = await history(publicId, after, DEFAULT_HISTORY_PAGE);
    sendFrame(socket, {
      type: 'history',
      conversationId: publicId,
      messages: page.messages,
      cursor: page.cursor,
    });
    while (page.more && socket.readyState === socket.OPEN) {
      page = await history(publicId, page.cursor, DEFAULT_HISTORY_PAGE);
      sendFrame(socket, { type: 'messages', messages: page.messages });
    }
  }

  async function handleFrame(socket: WebSocket, publicId: string, data: string | null) {
    if (data === null) {
      sendFrame(socket, {
        type: 'error',
        error: { code: 'invalid_request', message: 'frames must be JSON text' },
      });
      return;
    }
    const frame = parseClientFrame(data, limits);
    if (!frame.ok) {
      sendFrame(socket, { type: 'error', error: publicError(frame.error) });
      return;
    }
    if (frame.value.type === 'ping') {
      sendFrame(socket, { type: 'pong' });
      return;
    }
    try {
      const replies = await runTurn(publicId, frame.value.turn, socket);
      // A message read together with later ones is answered with the last of them.
      if (replies.length === 0) return;
      const at = now().toISOString();
      sendFrame(socket, {
        type: 'messages',
        messages: replies.map((reply) => viewOfOutbound(reply, at)),
      });
    } catch (error) {
      logger.error(
        { err: error, conversationId: internalConversationId(publicId) },
        'web chat: turn failed',
      );
      sendFrame(socket, { type: 'error', error: internalError() });
    }
  }

  function widgetWithSettings(): string {
    const label = options.aiLabel?.()?.trim();
    // JSON inside a script: "<" is escaped so no setting can close the script element.
    const settings = JSON.stringify(label ? { aiLabel: label } : {}).replace(/</g, '\\u003c');
    return widgetJs.replace(SETTINGS_PLACEHOLDER, () => settings);
  }

  server.register(async (app) => {
    if (!app.hasDecorator('websocketServer')) {
      await app.register(websocket, { options: { maxPayload: FRAME_LIMIT } });
    }
    sockets.startHeartbeat(options.heartbeatMs ?? 30_000, MAX_UNREAD_BYTES);
    app.addHook('onClose', async () => sockets.closeAll());

    if (ipLimiter) app.addHook('onRequest', ipLimiter.onRequestHook({ prefix: '/api/web/' }));
    app.addHook('onRequest', async (request, reply) => {
      const origin = request.headers.origin;
      if (!origin || !request.url.startsWith('/api/web/messages')) return;
      if (allowed === '*' || allowed.includes(origin)) {
        reply.header('access-control-allow-origin', allowed === '*' ? '*' : origin);
        if (allowed !== '*') reply.header('vary', 'origin');
      }
    });

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const known = bodyError(error);
      if (known) return sendError(reply, known);
      logger.error({ err: error, path: request.url.split('?')[0] }, 'web chat: request failed');
      return sendError(reply, { status: 500, ...internalError() });
    });

    app.options('/api/web/messages', async (_request, reply) => {
      reply
        .code(204)
        .header('access-control-allow-methods', 'GET, POST, OPTIONS')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '600');
      return reply.send();
    });

    app.post('/api/web/messages', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const body = parseTurnBody(request.body, limits);
      if (!body.ok) return sendError(reply, body.error);
      const { conversationId: requested, ...turn } = body.value;
      const { publicId } = await resolveConversation(deps.transcripts, requested);
      const messages = await runTurn(publicId, turn);
      return { conversationId: publicId, messages };
    });

    app.get('/api/web/messages', async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const id = parseConversationId(query.conversationId);
      if (!id.ok) return sendError(reply, id.error);
      const after = parseAfter(query.after);
      if (!after.ok) return sendError(reply, after.error);
      const limit = parseLimit(query.limit);
      if (!limit.ok) return sendError(reply, limit.error);
      return { conversationId: id.value, ...(await history(id.value, after.value, limit.value)) };
    });

    app.get('/api/web/ws', { websocket: true }, handleSocket);

    app.get('/widget.js', async (_request, reply) =>
      reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .header('access-control-allow-origin', '*')
        .send(widgetWithSettings()),
    );
    if (options.demoPage !== false) {
      app.get('/', async (_request, reply) =>
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(demoHtml),
      );
    }
  });

  return {
    channel: 'web',
    async deliver(target: DeliveryTarget, messages: OutboundMessage[]): Promise<void> {
      if (target.channel !== 'web') {
        logger.warn({ target }, 'web chat: asked to deliver to another channel; ignored');
        return;
      }
      const at = now().toISOString();
      const frame: ServerFrame = {
        type: 'messages',
        messages: messages.map((message) => viewOfOutbound(message, at)),
      };
      // Tabs on other instances get these lines from the transcript on reconnect or poll.
      sockets.broadcast(target.conversationId, frame);
    },
  };
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function sendError(reply: FastifyReply, error: WebError): FastifyReply {
  return reply.code(error.status).send({ error: publicError(error) });
}

function publicError(error: WebError): Omit<WebError, 'status'> {
  return { code: error.code, message: error.message };
}

function internalError(): Omit<WebError, 'status'> {
  return { code: 'internal_error', message: '对不起，系统暂时繁忙，请稍后再试。' };
}

/** Fastify's own body errors, mapped to the channel's error catalogue. */
function bodyError(error: FastifyError): WebError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'unsupported_media_type',
        message: 'send the body as application/json',
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        code: 'payload_too_large',
        message: `the body must be at most ${BODY_LIMIT} bytes`,
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'invalid_request', message: 'the body must be a JSON object' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'invalid_json', message: 'the body is not valid JSON' };
    default:
      // fastify's JSON parser rejects with the SyntaxError itself, status 400.
      if (error instanceof SyntaxError && error.statusCode === 400) {
        return { status: 400, code: 'invalid_json', message: 'the body is not valid JSON' };
      }
      return null;
  }
}
