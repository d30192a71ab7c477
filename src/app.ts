// Composition root: builds the whole service from injected parts. No environment reading and no
// listening here (that is main.ts), so tests build real apps on ephemeral ports without network.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerAdminRoutes } from './admin/routes.ts';
import { registerConsole, type ConsoleApiMount } from './console/index.ts';
import {
  RedisConsoleSessions,
  type ConsoleAuth,
  type ConsoleSessionSettings,
} from './console/auth.ts';
import {
  DEFAULT_SOCKET_LIMIT,
  type GuardOptions,
  type TokenBucketOptions,
} from './channels/edge-policy.ts';
import { registerWebChannel } from './channels/web/index.ts';
import type { LoadedContent } from './content/load.ts';
import type { ContentRuntime } from './content/runtime.ts';
import { renderTemplate } from './content/render.ts';
import { AI_LABEL_CHANNELS, labelFirstReplies } from './core/ai-label.ts';
import { readBurstsTogether, type BurstOptions } from './core/bursts.ts';
import type { ChannelOutlet, ConversationControl, ConversationGateway } from './core/gateway.ts';
import type { LlmPorts } from './core/llm-ports.ts';
import type { ChannelId } from './core/message.ts';
import { createConversationGateway, type TurnLogger, type TurnMetrics } from './core/pipeline.ts';
import { summariseRefusals } from './core/refusal-summary.ts';
import { dropRetries } from './core/retries.ts';
import { capTranscripts } from './core/transcript-cap.ts';
import { withTurnObservers } from './core/turn-observers.ts';
import { missedApi } from './console/missed-api.ts';
import { ticketsApi } from './console/tickets-api.ts';
import { recordMissed } from './console/missed-recorder.ts';
import { MemoryMissedStore, type MissedStore } from './console/missed-store.ts';
import { consoleApi } from './console/api.ts';
import {
  createStatisticsRecorder,
  memoryConsoleStores,
  observedHandoffQueue,
  observedTicketStore,
  statisticsTurnObserver,
  type ConsoleStores,
  type StatisticsRecorder,
} from './console/stats/index.ts';
import { createTokenizer } from './nlu/tokenize.ts';
import { PathOnlyLogController, safeLoggerOptions } from './ops/request-log.ts';
import { MemoryIdempotencyStore, type IdempotencyStore } from './store/idempotency.ts';
import type { DialogSet } from './dialog/types.ts';
import { MemoryHandoffBus, RedisHandoffBus, type HandoffBus } from './handoff/bus.ts';
import type { AgentActions, AgentDesk } from './handoff/desk.ts';
import {
  createHandoffService,
  lateAgentActions,
  type HandoffRuntime,
  type HandoffSettings,
} from './handoff/handoff-service.ts';
import { MemoryHandoffQueue, RedisHandoffQueue, type HandoffQueue } from './handoff/queue.ts';
import type { NluEngine } from './nlu/engine.ts';
import { createMetrics, type BotMetrics } from './ops/metrics.ts';
import { RedisAvailability, type Redis, type Stores } from './store/index.ts';
import { transcriptAuditLog } from './compliance/audit-log.ts';
import type { AdminGuardOptions } from './admin/lockout.ts';
import { createCustomerNotice } from './tickets/customer-notice.ts';
import { lateTicketDeskActions, type TicketDesk, type TicketDeskActions } from './tickets/desk.ts';
import { announcingTicketStore } from './tickets/announcing-store.ts';
import { ticketSettingsFromFirm, type TicketSettings } from './tickets/settings.ts';
import { createTicketSchedule, type TicketSchedule } from './tickets/ticket-schedule.ts';
import { createTicketService, type TicketService } from './tickets/ticket-service.ts';
import { ticketEffects } from './tickets/ticket-effects.ts';

/** Optional channels register themselves through these hooks so the core app never imports their SDKs. */
export interface ChannelModule {
  readonly channel: ChannelId;
  /** Mount routes and return the outlet used for messages outside a turn (agent replies). */
  register(
    server: FastifyInstance,
    context: ChannelContext,
  ): ChannelOutlet | Promise<ChannelOutlet>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface ChannelContext {
  gateway: ConversationGateway;
  guard: GuardOptions;
  logger: FastifyBaseLogger;
  clock: () => Date;
  /** Shared "seen before" records (webhook nonces), on Redis when the app runs on several instances. */
  receipts: IdempotencyStore;
}

/** A desk module (Slack) built with the handoff service's agent actions and the ticket desks'. */
export interface DeskModule {
  create(
    actions: AgentActions,
    ticketActions: TicketDeskActions,
  ): AgentDesk & {
    registerRoutes(server: FastifyInstance): void;
    start(): Promise<void>;
    stop(): Promise<void>;
    /** The department desks for ticket cards, if this desk has them. */
    tickets?: TicketDesk | null;
  };
}

export interface TicketAppConfig {
  /** SLACK_COMPLAINTS_CHANNEL_ID: desk of every department without its own channel. */
  complaintsChannelId?: string;
  /** SLACK_SUPERVISOR_CHANNEL_ID: 不满意 results and the morning overdue list. */
  supervisorChannelId?: string;
  /** How often each instance sweeps time limits (ms); 0 = never (tests sweep by hand). */
  sweepEveryMs: number;
}

export interface AppConfig {
  /** Bearer token of /api/admin/*; without it the admin API answers 401. */
  adminToken?: string;
  maxMessageLength: number;
  /** Requests, socket upgrades and socket messages per client IP on /api/web/*. */
  ipRateLimit: TokenBucketOptions | false;
  /** Messages per WebSocket. Default burst 30, then 2/s. */
  socketRateLimit?: TokenBucketOptions | false;
  /** How a customer's quick burst is read as one turn; `false` reads every message alone. */
  batching?: Omit<BurstOptions, 'now' | 'onRefused'> | false;
  /** Lines one conversation's transcript may hold; 0 = no ceiling. Default 5000. */
  transcriptMaxLines?: number;
  /** Which X-Forwarded-For hops to believe: off (default), a hop count, or proxy addresses. */
  trustProxy?: false | number | string[];
  /** Slow clients are cut off: all headers within headersTimeoutMs, the whole request within requestTimeoutMs. */
  http?: { headersTimeoutMs: number; requestTimeoutMs: number; checkIntervalMs?: number };
  handoff: HandoffSettings;
  /** Prefix of the handoff queue and bus keys when the stores are on Redis. */
  redisKeyPrefix: string;
  /** Unique name of this instance (consumer name on the Redis handoff stream). */
  instanceId: string;
  /** ADMIN_REVEAL_TOKEN: may export tickets with full contacts (audited). */
  adminRevealToken?: string;
  /** Admin API rate limit and lockout after wrong tokens. */
  adminGuard?: AdminGuardOptions;
  tickets?: TicketAppConfig;
  /** The service console at /console (signs in with adminToken; disabled without it). */
  console?: { session?: ConsoleSessionSettings };
}

export interface AppDeps {
  /** Fixed content; ignored when `contentRuntime` is given (it serves the live snapshot). */
  content: LoadedContent | (() => LoadedContent);
  dialogs: DialogSet | (() => DialogSet);
  nlu: NluEngine | (() => NluEngine);
  /** Live content (src/content/runtime.ts): reloads, the admin reload call, /healthz details. */
  contentRuntime?: ContentRuntime;
  stores: Stores;
  /** A Redis connection for the shared handoff queue and bus; memory versions without it. */
  redis?: Redis;
  /** Message-id and nonce receipts shared by the instances; one in memory without it. */
  receipts?: IdempotencyStore;
  channels?: ChannelModule[];
  desk?: DeskModule;
  metrics?: BotMetrics;
  clock?: () => Date;
  /** A pino-compatible logger; defaults to fastify's own (JSON lines to stdout). */
  logger?: FastifyBaseLogger | boolean;
  /** The optional LLM layer (src/llm, built by main.ts from LLM_*); off when absent. */
  llm?: LlmPorts;
  /** More listeners on every turn (the console's running records), beside the metrics. */
  turnObservers?: TurnMetrics[];
  /** Where messages the bot missed are kept for the console and `csbot review`; in memory without. */
  missed?: MissedStore;
  /** The console's statistics and conversation index (src/console/stats); in memory without. */
  consoleStores?: ConsoleStores;
}

export interface App {
  server: FastifyInstance;
  gateway: ConversationGateway & ConversationControl;
  handoff: HandoffRuntime;
  outlets: ReadonlyMap<ChannelId, ChannelOutlet>;
  metrics: BotMetrics;
  tickets: TicketService;
  ticketSchedule: TicketSchedule;
  /** The console's running statistics: the stores the console API reads, and their recorder. */
  statistics: { stores: ConsoleStores; recorder: StatisticsRecorder };
  /** Starts background workers (handoff queue checks, bus consumers, desk, wechaty). */
  start(): Promise<void>;
  listen(options: { port: number; host?: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * fastify's own hop count trusts nobody (it cannot check the peer); a deployment that says N
 * proxies stand in front of every request is believed for exactly those N hops.
 */
function trustedProxies(
  setting: false | number | string[],
): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

export const DEFAULT_HTTP_TIMEOUTS: NonNullable<AppConfig['http']> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

export const DEFAULT_BATCHING: Omit<BurstOptions, 'now' | 'onRefused'> = {
  quietMs: 1000,
  maxWaitMs: 3000,
  maxMessages: 10,
  maxChars: 500,
};

export async function createApp(config: AppConfig, appDeps: AppDeps): Promise<App> {
  const clock = appDeps.clock ?? (() => new Date());
  // The console's statistics hear turns, tickets and the agent queue through observers.
  const consoleStores = appDeps.consoleStores ?? memoryConsoleStores();
  const tokenizer = createTokenizer();
  const statistics = createStatisticsRecorder({
    stores: consoleStores,
    tokenizer,
    log: (m) => server.log.warn(m),
  });
  const deps: AppDeps = {
    ...appDeps,
    stores: { ...appDeps.stores, tickets: observedTicketStore(appDeps.stores.tickets, statistics) },
    turnObservers: [...(appDeps.turnObservers ?? []), statisticsTurnObserver(statistics, clock)],
  };
  const metrics = deps.metrics ?? createMetrics();
  const http = config.http ?? DEFAULT_HTTP_TIMEOUTS;
  const server = Fastify({
    logger: safeLoggerOptions(deps.logger),
    // Its request log lines never carry query strings (signed WeChat URLs, conversation ids).
    logController: new PathOnlyLogController(),
    // Customer texts and Slack payloads are small; a large body is a mistake or an attack.
    bodyLimit: 256 * 1024,
    // Off unless configured: else any client could name its own address and pass the IP limit.
    trustProxy: trustedProxies(config.trustProxy ?? false),
    requestTimeout: http.requestTimeoutMs,
    http: {
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
      connectionsCheckingInterval: http.checkIntervalMs ?? 1000,
    },
  }) as unknown as FastifyInstance;
  const log = server.log;
  const receipts = deps.receipts ?? new MemoryIdempotencyStore();
  const firm = () =>
    deps.contentRuntime
      ? deps.contentRuntime.current().content.firm
      : (typeof deps.content === 'function' ? deps.content() : deps.content).firm;

  const outlets = new Map<ChannelId, ChannelOutlet>();
  // The queue and the bus share one outage circuit on their connection.
  const handoffRedis = deps.redis ? new RedisAvailability(deps.redis) : null;
  const queue: HandoffQueue = observedHandoffQueue(
    deps.redis && handoffRedis
      ? new RedisHandoffQueue(deps.redis, config.redisKeyPrefix, handoffRedis)
      : new MemoryHandoffQueue(),
    statistics,
    clock,
  );
  const bus: HandoffBus =
    deps.redis && handoffRedis
      ? new RedisHandoffBus(deps.redis, {
          prefix: config.redisKeyPrefix,
          instanceId: config.instanceId,
          availability: handoffRedis,
          log: (m) => log.warn(m),
        })
      : new MemoryHandoffBus((m) => log.warn(m));

  const actions = lateAgentActions();
  const ticketDeskActions = lateTicketDeskActions();
  const desk = deps.desk?.create(actions, ticketDeskActions) ?? null;
  const live = deps.contentRuntime;
  const content = (): LoadedContent =>
    live
      ? live.current().content
      : typeof deps.content === 'function'
        ? deps.content()
        : deps.content;
  let settingsCache: { firm: object; settings: TicketSettings } | null = null;
  const ticketSettings = (): TicketSettings => {
    const firm = content().firm;
    if (settingsCache?.firm !== firm) {
      settingsCache = { firm, settings: ticketSettingsFromFirm(firm).settings };
    }
    return settingsCache.settings;
  };
  const ticketChannels = {
    ...(config.tickets?.complaintsChannelId
      ? { complaints: config.tickets.complaintsChannelId }
      : {}),
    ...(config.tickets?.supervisorChannelId
      ? { supervisor: config.tickets.supervisorChannelId }
      : {}),
  };
  const audit = transcriptAuditLog(deps.stores.transcripts);
  let gatewayRef: ReturnType<typeof createConversationGateway> | null = null;
  const ticketService = createTicketService({
    tickets: deps.stores.tickets,
    states: deps.stores.states,
    desk: desk?.tickets ?? null,
    notice: createCustomerNotice({
      states: deps.stores.states,
      transcripts: deps.stores.transcripts,
      outlets: (channel) => outlets.get(channel),
      control: () => gatewayRef,
      clock,
      log: (m) => log.warn(m),
    }),
    audit,
    settings: ticketSettings,
    channels: ticketChannels,
    clock,
    log: (m) => log.info(m),
  });
  ticketDeskActions.bind(ticketService.deskActions);
  // Every new ticket, from a complaint form or a left message, gets its department's card.
  const tickets = announcingTicketStore(deps.stores.tickets, (ticket) => {
    void ticketService.announce(ticket.id);
  });
  const ticketSchedule = createTicketSchedule({
    tickets: deps.stores.tickets,
    states: deps.stores.states,
    service: ticketService,
    settings: ticketSettings,
    channels: ticketChannels,
    clock,
    log: (m) => log.warn(m),
  });
  const handoff = createHandoffService({
    desk,
    queue,
    bus,
    states: deps.stores.states,
    transcripts: deps.stores.transcripts,
    tickets,
    outlets: (channel) => outlets.get(channel),
    settings: config.handoff,
    clock,
    log: (m) => log.warn(m),
    ...(deps.llm?.summarizer ? { summarizer: deps.llm.summarizer } : {}),
  });
  actions.bind(handoff);

  const turnLogger: TurnLogger = {
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
  const missedStore = deps.missed ?? new MemoryMissedStore({}, clock);
  const missedRecorder = recordMissed(missedStore, { log: (m) => log.warn(m) });
  const turnObservers = [...(deps.turnObservers ?? []), missedRecorder];
  const gateway = createConversationGateway({
    nlu: live ? () => live.current().nlu : deps.nlu,
    content,
    dialogs: live ? () => live.current().dialogs : deps.dialogs,
    stores: { ...deps.stores, tickets },
    handoff,
    effects: {
      record_ticket_feedback: ticketEffects({ tickets, feedback: ticketService.feedback })
        .record_ticket_feedback,
    },
    clock,
    logger: turnLogger,
    maxTextLength: config.maxMessageLength,
    ...(deps.llm ? { llm: deps.llm } : {}),
    metrics: withTurnObservers(
      {
        onTurn(channel, intent, latencyMs, conversationId) {
          // One line per turn ties the logs to a conversation; the text itself stays in the
          // transcript, so no personal data reaches the log.
          log.info({ conversationId, channel, intent, ms: latencyMs }, 'turn');
          metrics.messages.inc({ channel, direction: 'in' });
          metrics.intents.inc({ intent });
          metrics.turnSeconds.observe({ channel }, latencyMs / 1000);
        },
        onFallback(_channel, level) {
          metrics.fallbacks.inc({ step: String(level) });
        },
        onHandoff(_channel, reason) {
          metrics.handoffs.inc({ reason });
        },
        onTicket(_channel, ticket) {
          metrics.tickets.inc({ kind: ticket.kind });
        },
      },
      turnObservers,
      (m) => log.warn(m),
    ),
  });
  handoff.bindControl(gateway);
  gatewayRef = gateway;

  const guard: GuardOptions = {
    maxMessageLength: config.maxMessageLength,
    onRefused(message, reason, replies) {
      metrics.messages.inc({ channel: message.channel, direction: 'in' });
      metrics.messages.inc({ channel: message.channel, direction: 'out' }, replies.length);
      metrics.refused.inc({ channel: message.channel, reason });
    },
  };
  const warn = (message: string, fields: Record<string, unknown>) => log.warn(fields, message);
  // Around the turn, innermost first: the transcript ceiling, refusals summarised, the AI label,
  // bursts read together, and retries dropped (before a retry could join a burst).
  const capped = capTranscripts(gateway, deps.stores.transcripts, {
    maxLines: config.transcriptMaxLines ?? 5000,
    fullText: () =>
      renderTemplate(
        '抱歉，本次会话的记录已达上限，我无法继续记录您的消息。如需继续咨询，请拨打客服热线{firm.hotline}，谢谢您的理解。',
        firm(),
      ),
    onFull: (message) =>
      metrics.refused.inc({ channel: message.channel, reason: 'transcript_full' }),
  });
  const summarised = summariseRefusals(capped, deps.stores.transcripts, { warn });
  const labelled = labelFirstReplies(summarised, deps.stores.states, {
    label: () => firm().aiLabel,
    channels: AI_LABEL_CHANNELS,
  });
  const batched =
    config.batching === false
      ? labelled
      : readBurstsTogether(labelled, {
          ...(config.batching ?? DEFAULT_BATCHING),
          onRefused: guard.onRefused,
        });
  const deduped = dropRetries(batched, receipts, { warn });
  // Every reply leaving the service is counted once here rather than in each channel: turn
  // answers in handleInbound, later messages (agent replies, queue updates) in the outlets, and the
  // edge's refusals in onRefused above.
  const channelGateway: ConversationGateway = {
    async handleInbound(message) {
      const replies = await deduped.handleInbound(message);
      metrics.messages.inc({ channel: message.channel, direction: 'out' }, replies.length);
      return replies;
    },
    recordRefused: (message, replies, reason) =>
      summarised.recordRefused?.(message, replies, reason) ?? Promise.resolve(),
  };
  const addOutlet = (outlet: ChannelOutlet) =>
    outlets.set(outlet.channel, {
      channel: outlet.channel,
      async deliver(target, messages) {
        await outlet.deliver(target, messages);
        metrics.messages.inc({ channel: target.channel, direction: 'out' }, messages.length);
      },
    });
  addOutlet(
    registerWebChannel(server, {
      gateway: channelGateway,
      transcripts: deps.stores.transcripts,
      options: {
        guard,
        ipRateLimit: config.ipRateLimit,
        socketRateLimit: config.socketRateLimit ?? DEFAULT_SOCKET_LIMIT,
        aiLabel: () => firm().aiLabel,
      },
    }),
  );
  const context: ChannelContext = { gateway: channelGateway, guard, logger: log, clock, receipts };
  for (const module of deps.channels ?? []) {
    const outlet = await module.register(server, context);
    if (outlet.channel !== module.channel) {
      throw new Error(`channel module ${module.channel} returned an outlet for ${outlet.channel}`);
    }
    addOutlet(outlet);
  }
  desk?.registerRoutes(server);
  registerAdminRoutes(server, {
    tickets: deps.stores.tickets,
    health: deps.stores.health,
    metrics,
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    ...(config.adminRevealToken ? { revealToken: config.adminRevealToken } : {}),
    ...(config.adminGuard ? { guard: config.adminGuard } : {}),
    act: ticketService.act,
    departments: () => ticketSettings().departments,
    audit,
    clock,
    ...(live
      ? { content: { status: () => live.status(), reload: () => live.reload('admin') } }
      : {}),
  });
  // The console's JSON APIs, each behind the console's session guard.
  const consoleApis: ConsoleApiMount[] = [
    (authorize) =>
      consoleApi({
        stores: consoleStores,
        transcripts: deps.stores.transcripts,
        tokenizer,
        authorize,
        clock,
      }),
    (authorize) =>
      missedApi({
        missed: missedStore,
        authorize,
        intents: () => content().intents,
        tokenizer,
        clock,
      }),
    (authorize) =>
      ticketsApi({
        tickets,
        authorize,
        // Requests arrive only once the console is registered, so its sessions are known then.
        identity: (request) => consoleAuth.sessionOf(request)?.staffName ?? null,
        act: ticketService.act,
        departments: () => ticketSettings().departments,
        clock,
      }),
  ];
  const consoleAuth: ConsoleAuth = await registerConsole(server, {
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    ...(config.console?.session ? { session: config.console.session } : {}),
    ...(config.adminGuard ? { guard: config.adminGuard } : {}),
    clock,
    // On Redis every instance knows every session, so a load balancer may send a supervisor anywhere.
    ...(handoffRedis
      ? {
          sessions: (settings: ConsoleSessionSettings, now: () => number) =>
            new RedisConsoleSessions(
              (args) => handoffRedis.run((client) => client.sendCommand(args)),
              config.redisKeyPrefix,
              settings,
              now,
            ),
        }
      : {}),
    apis: consoleApis,
  });

  let started = false;
  const app: App = {
    server,
    gateway,
    handoff,
    outlets,
    metrics,
    tickets: ticketService,
    ticketSchedule,
    statistics: { stores: consoleStores, recorder: statistics },
    async start() {
      if (started) return;
      started = true;
      statistics.recountTickets(() => deps.stores.tickets.list());
      await handoff.startWorkers();
      ticketSchedule.start(config.tickets?.sweepEveryMs ?? 60_000);
      await desk?.start();
      for (const module of deps.channels ?? []) await module.start?.();
    },
    async listen({ port, host }) {
      await app.start();
      return server.listen({ port, host: host ?? '0.0.0.0' });
    },
    async close() {
      for (const module of deps.channels ?? [])
        await module.stop?.().catch((e) => log.warn({ err: e }, 'channel stop failed'));
      await desk?.stop().catch((e) => log.warn({ err: e }, 'desk stop failed'));
      if (started) await handoff.stopWorkers();
      handoffRedis?.close();
      await ticketSchedule.stop();
      await server.close();
      // Refusals still counting in an open window go on record before the stores close.
      await summarised.flush();
      await statistics.settled();
      await missedRecorder.flush();
    },
  };
  await server.ready();
  return app;
}
