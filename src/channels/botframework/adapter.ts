// The Bot Framework channel (Teams, Web Chat / Direct Line, Emulator): POST /api/messages goes
// through botbuilder's CloudAdapter, which checks the channel's JWT and answers through the
// Bot Framework connector. botbuilder stays inside this folder (it is being retired upstream).
import { CloudAdapter, TurnContext, type Activity, type TurnContext as Turn } from 'botbuilder';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ChannelOutlet, ConversationGateway, DeliveryTarget } from '../../core/gateway.ts';
import type { InboundMessage, OutboundMessage } from '../../core/message.ts';
import { guardGateway, type GuardOptions } from '../edge-policy.ts';
import { MenuMemory } from '../text-menu.ts';
import { createBotFrameworkAuthentication, type BotFrameworkAuthOptions } from './auth.ts';
import {
  botFrameworkConversationId,
  checkActivityEnvelope,
  checkTurnActivity,
  inboundContentOf,
  referenceFromJson,
  referenceToJson,
  toActivities,
} from './translate.ts';

export const BOTFRAMEWORK_PATH = '/api/messages';
const BODY_LIMIT = 1024 * 1024;
const APOLOGY = '对不起，系统暂时繁忙，请您稍后再试，谢谢。';

export interface BotFrameworkOptions extends BotFrameworkAuthOptions {
  /** Messaging endpoint registered in Azure Bot Service. Default /api/messages. */
  path?: string;
  /** How long offered suggested actions are recognised as taps. Default 30 min. */
  menuTtlMs?: number;
  /** Per-conversation rate limit and maximum length; `false` turns the guard off. */
  guard?: GuardOptions | false;
}

/** The part of a pino/fastify logger the channel uses. */
export interface BotFrameworkLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface BotFrameworkChannelDeps {
  gateway: ConversationGateway;
  options: BotFrameworkOptions;
  logger?: BotFrameworkLogger;
  clock?: () => Date;
}

type Authenticated = Awaited<
  ReturnType<ReturnType<typeof createBotFrameworkAuthentication>['authenticateRequest']>
>;

/** CloudAdapter with its turn entry point opened up, so authentication can be answered first. */
class TurnAdapter extends CloudAdapter {
  runTurn(authenticated: Authenticated, activity: Activity, logic: (turn: Turn) => Promise<void>) {
    return this.processActivity(authenticated, activity, logic);
  }
}

/** A rejected token (bad signature, wrong audience or issuer, expired), as opposed to an outage. */
function isAuthRejection(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { statusCode, name } = error as { statusCode?: unknown; name?: unknown };
  if (statusCode === 401 || statusCode === 403) return true;
  return name === 'JsonWebTokenError' || name === 'TokenExpiredError' || name === 'NotBeforeError';
}

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: { code: 'bad_request', message } });
}

/** Registers `POST /api/messages` on `server` and returns the outlet for later messages. */
export function registerBotFrameworkChannel(
  server: FastifyInstance,
  deps: BotFrameworkChannelDeps,
): ChannelOutlet {
  const { options } = deps;
  const logger: BotFrameworkLogger = deps.logger ?? server.log;
  const clock = deps.clock ?? (() => new Date());
  const auth = createBotFrameworkAuthentication(options);
  const adapter = new TurnAdapter(auth);
  const appId = options.appId.trim();
  const gateway =
    options.guard === false ? deps.gateway : guardGateway(deps.gateway, options.guard ?? {});
  const menus = new MenuMemory({
    now: () => clock().getTime(),
    ...(options.menuTtlMs !== undefined ? { ttlMs: options.menuTtlMs } : {}),
  });

  async function answerTurn(turn: Turn): Promise<void> {
    const activity = turn.activity;
    const conversationId = botFrameworkConversationId(activity.channelId, activity.conversation.id);
    const content = inboundContentOf(activity, menus.current(conversationId));
    if (!content) return;
    const message: InboundMessage = {
      channel: 'botframework',
      conversationId,
      userId: activity.from.id,
      ...(typeof activity.id === 'string' && activity.id !== ''
        ? { channelMessageId: activity.id }
        : {}),
      receivedAt: clock().toISOString(),
      content,
      channelRef: referenceToJson(TurnContext.getConversationReference(activity)),
      raw: activity,
    };
    let replies: OutboundMessage[];
    try {
      replies = await gateway.handleInbound(message);
    } catch (error) {
      logger.error({ conversationId, err: error }, 'botframework: the turn failed');
      replies = [{ type: 'text', text: APOLOGY, from: 'system' }];
    }
    menus.noteShown(conversationId, replies);
    const activities = toActivities(replies);
    if (activities.length > 0) await turn.sendActivities(activities);
  }

  server.post(
    options.path ?? BOTFRAMEWORK_PATH,
    { bodyLimit: BODY_LIMIT },
    async (request, reply) => {
      const envelope = checkActivityEnvelope(request.body);
      if (!envelope.ok) return badRequest(reply, envelope.error);
      const activity = request.body as Activity;
      const header = request.headers.authorization ?? '';

      let authenticated: Authenticated;
      try {
        authenticated = await auth.authenticateRequest(activity, header);
      } catch (error) {
        if (isAuthRejection(error)) {
          logger.warn(
            { reason: error instanceof Error ? error.message.split('\n')[0] : String(error) },
            'botframework: request rejected',
          );
          return reply.code(401).send({ error: { code: 'unauthorized', message: 'unauthorized' } });
        }
        // Signing keys unreachable: our outage, and the channel should try again.
        logger.error({ err: error }, 'botframework: could not verify the request');
        return reply.code(503).send({ error: { code: 'unavailable', message: 'try again later' } });
      }

      if (activity.type === 'message' || activity.type === 'conversationUpdate') {
        const turnCheck = checkTurnActivity(activity);
        if (!turnCheck.ok) return badRequest(reply, turnCheck.error);
      }

      try {
        const invokeResponse = await adapter.runTurn(authenticated, activity, async (turn) => {
          if (turn.activity.type === 'message' || turn.activity.type === 'conversationUpdate') {
            await answerTurn(turn);
          }
        });
        if (invokeResponse)
          return reply.code(invokeResponse.status).send(invokeResponse.body ?? '');
        return reply.code(200).send();
      } catch (error) {
        logger.error(
          { activityType: activity.type, err: error },
          'botframework: could not answer the activity',
        );
        return reply.code(500).send({ error: { code: 'internal', message: 'the reply failed' } });
      }
    },
  );

  return {
    channel: 'botframework',
    async deliver(target: DeliveryTarget, messages: OutboundMessage[]): Promise<void> {
      const reference = referenceFromJson(target.channelRef);
      const activities = toActivities(messages);
      if (activities.length === 0) return;
      await adapter.continueConversationAsync(appId, reference, async (turn) => {
        await turn.sendActivities(activities);
      });
      menus.noteShown(target.conversationId, messages);
    },
  };
}
