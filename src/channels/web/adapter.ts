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
  type GuardOptions,
  type TokenBucketOptions,
} from '../edge-policy.ts';
import {
  parseAfter,
  parseClientFrame,
  parseConversationId,
  parseTurnBody,
  type ParseLimits,
  type WebError,
  type WebTurn,
} from './parse.ts';
import { ConversationSockets, sendFrame, type ServerFrame } from './sockets.ts';
import {
  internalConversationId,
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
  /** Per-conversation rate limit and polite maximum length; `false` turns the guard off. */
  guard?: GuardOptions | false;
  /** Per-client-IP limit on /api/web/*; `false` turns it off. Default burst 120, 30/s. */
  ipRateLimit?: (Partial<TokenBucketOptions> & { maxTrackedIps?: number }) | false;
  /** Origins allowed to call the REST API from a browser (CORS). Default '*'. */
  allowedOrigins?: '*' | string[];
  /** Serve the demo page at `/`. Default true. */
  demoPage?: boolean;
  /** WebSocket ping interval; dead sockets are dropped after one missed pong. Default 30 s. */
  heartbeatMs?: number;
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

/** Registers the web channel's routes on `server` and returns its outlet for later messages. */
export function registerWebChannel(server: FastifyInstance, deps: WebChannelDeps): ChannelOutlet {
  const options = deps.options ?? {};
  const logger: WebChannelLogger = deps.logger ?? server.log;
  const now = options.now ?? (() => new Date());
  const limits: ParseLimits = { maxTextLength: options.maxTextLength ?? 4000 };
  const gateway =
    options.guard === false ? deps.gateway : guardGateway(deps.gateway, options.guard ?? {});
  const sockets = new ConversationSockets();
  const widgetJs = readFileSync(new URL('widget.js', PUBLIC_DIR));
  const demoHtml = readFileSync(new URL('index.html', PUBLIC_DIR));

  /** One customer turn from any transport; tabs other than `origin` see it too. */
  async function runTurn(
    publicId: string,
    turn: WebTurn,
    origin?: WebSocket,
  ): Promise<OutboundMessage[]> {
    const conversationId = internalConversationId(publicId);
    const receivedAt = now().toISOString();
    const message: InboundMessage = {
      channel: 'web',
      conversationId,
      userId: conversationId,
      receivedAt,
      content: turn.content,
    };
    if (turn.messageId !== undefined) message.channelMessageId = turn.messageId;

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

  async function history(
    publicId: string,
    after: number,
  ): Promise<{ messages: WebMessageView[]; cursor: number }> {
    const entries = await deps.transcripts.list(internalConversationId(publicId), {
      afterSeq: after,
    });
    const last = entries[entries.length - 1];
    return {
      messages: entries.filter(isCustomerVisible).map(viewOfEntry),
      // Hidden lines still advance the cursor, so polling never fetches them again.
      cursor: last ? Math.max(after, last.seq) : after,
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
    const id = parseConversationId(query.conversationId);
    const after = parseAfter(query.after);
    const refuse = (error: Omit<WebError, 'status'>) => {
      sendFrame(socket, { type: 'error', error });
      socket.close(1008, error.code);
    };
    if (!id.ok) return refuse(publicError(id.error));
    if (!after.ok) return refuse(publicError(after.error));
    if (!originAllowed(request)) {
      return refuse({ code: 'forbidden_origin', message: 'this origin may not open the chat' });
    }
    const publicId = id.value;
    const conversationId = internalConversationId(publicId);
    sockets.add(conversationId, socket);

    // Frames are handled one after another, history first, so replies never overtake it.
    let queue: Promise<void> = history(publicId, after.value)
      .then((h) => {
        sendFrame(socket, { type: 'history', conversationId: publicId, ...h });
      })
      .catch((error: unknown) => {
        logger.error({ err: error, conversationId }, 'web chat: reading history failed');
        sendFrame(socket, { type: 'error', error: internalError() });
      });

    socket.on('message', (data: RawData, isBinary: boolean) => {
      const text = isBinary ? null : rawToString(data);
      queue = queue.then(() => handleFrame(socket, publicId, text));
    });
    socket.on('close', () => sockets.remove(conversationId, socket));
    socket.on('error', (error) => {
      logger.warn({ err: error, conversationId }, 'web chat: socket error');
    });
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

  server.register(async (app) => {
    if (!app.hasDecorator('websocketServer')) {
      await app.register(websocket, { options: { maxPayload: BODY_LIMIT } });
    }
    sockets.startHeartbeat(options.heartbeatMs ?? 30_000);
    app.addHook('onClose', async () => sockets.closeAll());

    if (options.ipRateLimit !== false) {
      const ipLimiter = createIpRateLimiter(options.ipRateLimit ?? {});
      app.addHook('onRequest', ipLimiter.onRequestHook({ prefix: '/api/web/' }));
    }
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
      logger.error({ err: error, url: request.url }, 'web chat: request failed');
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
      const { conversationId, ...turn } = body.value;
      const messages = await runTurn(conversationId, turn);
      return { conversationId, messages };
    });

    app.get('/api/web/messages', async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const id = parseConversationId(query.conversationId);
      if (!id.ok) return sendError(reply, id.error);
      const after = parseAfter(query.after);
      if (!after.ok) return sendError(reply, after.error);
      return { conversationId: id.value, ...(await history(id.value, after.value)) };
    });

    app.get('/api/web/ws', { websocket: true }, handleSocket);

    app.get('/widget.js', async (_request, reply) =>
      reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .header('access-control-allow-origin', '*')
        .send(widgetJs),
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
