// One customer turn, end to end: lock the conversation, load its state, relay to a human agent
// when one is in charge, else NLU -> dialog interpreter (executing its effects) -> compliance ->
// transcript -> save. One error boundary per turn turns anything thrown into a polite apology.
import type { ConversationControl, ConversationGateway, RefusalReason } from './gateway.ts';
import type { ChannelId, InboundMessage, OutboundMessage, QuickReply } from './message.ts';
import type {
  ComplaintTicket,
  ConversationState,
  ConversationStateStore,
  Direction,
  Json,
  NewTranscriptEntry,
  TicketStore,
  TranscriptStore,
} from '../store/types.ts';
import type { NluResult } from '../nlu/types.ts';
import { OUT_OF_SCOPE } from '../nlu/types.ts';
import { namedSecurities, withRuleIntent } from '../nlu/rule-intent.ts';
import type { FirmSettings, IntentDefinition } from '../content/types.ts';
import { renderTemplate, titleInSentence } from '../content/render.ts';
import type { HandoffReason, HandoffService } from '../handoff/types.ts';
import {
  checkOutboundCompliance,
  isAdviceRequest,
  maskPersonalData,
  withRiskDisclosure,
} from '../compliance/index.ts';
import {
  DEFAULT_POLICY,
  INTENT_CHOICE_PREFIX,
  QUESTION_CHOICE_PREFIX,
  restoreDialogState,
  step,
} from '../dialog/interpreter.ts';
import { isAccountLookup } from '../dialog/form.ts';
import { buildKnowledgeBase, type KnowledgeBase } from '../kb/knowledge-base.ts';
import { createFacetLexicon } from '../content/facets.ts';
import { normalizeText } from '../nlu/normalize.ts';
import {
  noteReply,
  readContext,
  writeContext,
  type ConversationContext,
} from '../conversation/context.ts';
import { gistFor } from '../conversation/gist.ts';
import { renderSteps } from '../conversation/steps.ts';
import { understand, type Ask } from '../conversation/understand.ts';
import { readTone } from '../conversation/tone.ts';
import { detectScript, nextScript, scriptFollowsCustomer } from '../conversation/script.ts';
import { eligibilityNote } from '../conversation/eligibility.ts';
import { REMEMBERED, saidGists, unlessSaidBefore } from '../conversation/said-lately.ts';
import { findSensitive, sensitiveWarning, withoutSensitive } from '../conversation/sensitive.ts';
import {
  applyStyle,
  replyInScript,
  styleFor,
  type ReplyStyle,
} from '../conversation/reply-style.ts';
import type {
  BotOutput,
  ConversationPolicy,
  DialogEffect,
  DialogEnvironment,
  DialogInput,
  DialogSet,
  DialogState,
  StepResult,
} from '../dialog/types.ts';
import {
  composeEffects,
  runEffect,
  type EffectHandlers,
  type EffectOutcome,
  type EffectTurn,
} from './effects.ts';
import { ticketEffects } from '../tickets/ticket-effects.ts';
import { handoffEffects, noteIntentSeen } from '../handoff/handoff-effect.ts';
import { surveyEffects } from './survey-effect.ts';
import type { LlmPorts, LlmTurnContext } from './llm-ports.ts';
import { isFollowUpCandidate, resolveFollowUp as resolveFollowUpWithModel } from './follow-up.ts';
import {
  afterKnowledgeAnswer,
  answerFromKnowledge,
  DEFAULT_AI_LABEL,
  isLongTailCandidate,
} from './long-tail.ts';
import { customerLines } from './customer-lines.ts';
import { nluNote } from './nlu-note.ts';
import {
  answerWhileQueued,
  questionsToAnswerWhileQueued,
  readWaitingTurn,
} from '../handoff/waiting-turn.ts';

export interface TurnLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What the bot made of one customer message it read (the console's "what the bot missed"). */
export interface TurnReading {
  conversationId: string;
  channel: ChannelId;
  at: Date;
  /** The text as recorded (passwords and codes already redacted), not yet masked. */
  text: string;
  /** The classifier's reading of the (first question of the) message. */
  nlu: NluResult;
  /** The fallback ladder's step this message reached (1-3); 0 when the ladder was not used. */
  fallbackStep: number;
  /** The message answered a question the bot had asked (a form), or was a tapped button. */
  answering: boolean;
  /** The conversation has asked for a person, in this turn or before (containment). */
  hadHandoff?: boolean;
}

export interface TurnMetrics {
  onTurn?(channel: ChannelId, intent: string, latencyMs: number, conversationId: string): void;
  onReading?(reading: TurnReading): void;
  onFallback?(channel: ChannelId, level: number): void;
  onHandoff?(channel: ChannelId, reason: HandoffReason): void;
  onTicket?(channel: ChannelId, ticket: ComplaintTicket): void;
  onSurvey?(channel: ChannelId, score: number): void;
}

/** What the pipeline needs from the content layer; a function is re-read every turn (hot reload). */
export interface PipelineContent {
  intents: IntentDefinition[];
  firm: FirmSettings;
}

/** The NLU engine; without `kb` and `inDomain` (test fakes) follow-ups and the KB are off. */
export interface PipelineNlu {
  analyze(text: string, now?: Date): NluResult;
  kb?: KnowledgeBase;
  inDomain?(text: string): boolean;
}

export interface ConversationGatewayDeps {
  /** A function is read once per turn, with content and dialogs (hot reload swaps all three). */
  nlu: PipelineNlu | (() => PipelineNlu);
  content: PipelineContent | (() => PipelineContent);
  dialogs: DialogSet | (() => DialogSet);
  stores: { states: ConversationStateStore; transcripts: TranscriptStore; tickets: TicketStore };
  /** The agent desk; `surveyCompleted` (if present) hears survey results after a handoff. */
  handoff: HandoffService & {
    surveyCompleted?(conversationId: string, score: number, comment?: string): Promise<unknown>;
  };
  clock?: () => Date;
  logger?: TurnLogger;
  metrics?: TurnMetrics;
  policy?: Partial<ConversationPolicy>;
  /** Department routing override (firm renamed departments). */
  departmentFor?: (category: NonNullable<ComplaintTicket['category']>) => string;
  /** Replaces the handlers of some dialog effects (the rest keep their default owners). */
  effects?: Partial<EffectHandlers>;
  /** Longest customer text the bot reads; longer ones get a polite request to shorten. */
  maxTextLength?: number;
  lockTtlMs?: number;
  /** The optional LLM layer (src/llm); without it every turn runs exactly as before. */
  llm?: LlmPorts;
}

export const DEFAULT_MAX_TEXT_LENGTH = 500;
const DEFAULT_LOCK_TTL_MS = 15_000;
const MAX_EFFECTS_PER_TURN = 10;
/** The dialog that asks a customer's verdict on a ticket's result (dialogs/ticket_feedback.yaml). */
export const TICKET_FEEDBACK_DIALOG = 'ticket_feedback';

export const consoleTurnLogger: TurnLogger = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};

/** Everything one turn collects before it is written back. */
interface Turn {
  state: ConversationState;
  dialog: DialogState;
  env: DialogEnvironment;
  /** How this turn reads messages: the NLU of the content it started with, kept to its end. */
  nlu: PipelineNlu;
  replies: OutboundMessage[];
  channel: ChannelId;
  now: Date;
  intent: string;
  /** What the bot remembers of the conversation's subject, tone and script. */
  context: ConversationContext;
  /** How this turn's replies are styled (set once the customer's message is read). */
  style: ReplyStyle | null;
  /** Replies checked for compliance but not yet styled and recorded (see flush). */
  pending: { message: OutboundMessage; output: BotOutput }[];
  /** The lead (acknowledgement) and greeting went out already in this turn. */
  leadDone: boolean;
  /** What this turn said so far (gists), remembered for the next turn. */
  saidNow: string[];
}

const HUMAN_REPLY_LABEL = '转人工客服';

export function createConversationGateway(
  deps: ConversationGatewayDeps,
): ConversationGateway &
  ConversationControl &
  Required<Pick<ConversationGateway, 'recordRefused'>> {
  const clock = deps.clock ?? (() => new Date());
  const logger = deps.logger ?? consoleTurnLogger;
  const policy: ConversationPolicy = { ...DEFAULT_POLICY, ...deps.policy };
  const maxTextLength = deps.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  const lockTtlMs = deps.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const { states, transcripts, tickets } = deps.stores;
  const effects = composeEffects(
    ticketEffects({
      tickets,
      ...(deps.departmentFor ? { departmentFor: deps.departmentFor } : {}),
      onTicket: (channel, ticket) => deps.metrics?.onTicket?.(channel, ticket),
    }),
    handoffEffects({
      handoff: deps.handoff,
      transcripts,
      tickets,
      onHandoff: (channel, reason) => deps.metrics?.onHandoff?.(channel, reason),
    }),
    surveyEffects({
      tickets,
      onSurvey: (channel, score) => deps.metrics?.onSurvey?.(channel, score),
      ...(deps.handoff.surveyCompleted
        ? { surveyCompleted: deps.handoff.surveyCompleted.bind(deps.handoff) }
        : {}),
    }),
    deps.effects ?? {},
  );
  const noKnowledgeBase: KnowledgeBase = buildKnowledgeBase([], createFacetLexicon([]));
  const currentNlu = (): PipelineNlu => (typeof deps.nlu === 'function' ? deps.nlu() : deps.nlu);
  let envCache: { content: PipelineContent; dialogs: DialogSet; env: DialogEnvironment } | null =
    null;

  function environment(): DialogEnvironment {
    const content = typeof deps.content === 'function' ? deps.content() : deps.content;
    const dialogs = typeof deps.dialogs === 'function' ? deps.dialogs() : deps.dialogs;
    if (envCache && envCache.content === content && envCache.dialogs === dialogs)
      return envCache.env;
    const env: DialogEnvironment = {
      dialogs,
      intents: new Map(content.intents.map((i) => [i.id, i])),
      questions: new Map(content.intents.flatMap((i) => i.questions.map((q) => [q.id, q]))),
      firm: content.firm,
      policy,
    };
    envCache = { content, dialogs, env };
    return env;
  }

  function firmOrEmpty(): FirmSettings {
    try {
      return environment().firm;
    } catch {
      return {};
    }
  }

  type LineExtra = Partial<{
    intent: string;
    confidence: number;
    dialogNode: string;
    quickReplies: QuickReply[];
    kind: 'message' | 'survey' | 'note';
    data: { [key: string]: Json };
  }>;

  function line(
    turn: { state: ConversationState; channel: ChannelId },
    direction: Direction,
    text: string,
    extra: LineExtra = {},
  ): NewTranscriptEntry {
    return {
      conversationId: turn.state.conversationId,
      at: clock().toISOString(),
      channel: turn.channel,
      direction,
      kind: extra.kind ?? 'message',
      text,
      ...(extra.quickReplies && extra.quickReplies.length > 0
        ? { quickReplies: extra.quickReplies }
        : {}),
      ...(extra.intent !== undefined ? { intent: extra.intent } : {}),
      ...(extra.confidence !== undefined ? { confidence: extra.confidence } : {}),
      ...(extra.dialogNode !== undefined ? { dialogNode: extra.dialogNode } : {}),
      ...(extra.data !== undefined ? { data: extra.data } : {}),
    };
  }

  async function record(
    turn: { state: ConversationState; channel: ChannelId; now: Date },
    direction: Direction,
    text: string,
    extra: LineExtra = {},
  ): Promise<void> {
    await transcripts.append(line(turn, direction, text, extra));
  }

  /** Compliance on every outgoing text; the replies wait in `pending` until the turn flushes. */
  async function send(turn: Turn, outputs: BotOutput[]): Promise<void> {
    for (const output of outputs) {
      let message = output.message;
      if (output.riskDisclosure && turn.env.firm.riskDisclosure) {
        message = {
          ...message,
          text: withRiskDisclosure(message.text, turn.env.firm.riskDisclosure),
        };
      }
      turn.pending.push({ message: compliant(turn, message, output.node), output });
    }
  }

  /**
   * Styles the pending replies (greeting, acknowledgement, the customer's script), records them and
   * only then counts them as sent: a reply is never given that the transcript does not hold. One
   * flush per turn (one disk sync on the embedded store), and before each effect, so a handoff
   * sends the desk the whole conversation.
   */
  async function flush(turn: Turn, final: boolean): Promise<void> {
    if (turn.pending.length === 0) return;
    const firstOfTurn = turn.saidNow.length === 0;
    const always = turn.env.firm.riskDisclosure ? [turn.env.firm.riskDisclosure] : [];
    const pending = turn.pending.splice(0).map((p, i) => {
      // A form's question asked again (after a side question) is asked in full.
      const keep = (firstOfTurn && i === 0) || isQuestionNode(turn.env, p.output.node);
      return { ...p, message: unlessSaidBefore(p.message, turn.context.saidBefore, keep, always) };
    });
    turn.saidNow.push(...saidGists(pending.map((p) => p.message)));
    let messages = pending.map((p) => p.message);
    if (turn.style) {
      const style = turn.leadDone ? { ...turn.style, lead: '', greet: false } : turn.style;
      messages = applyStyle(
        messages,
        final ? style : { ...style, tail: '' },
        { label: HUMAN_REPLY_LABEL, value: INTENT_CHOICE_PREFIX + policy.humanIntent },
        turn.env.firm.aiLabel?.trim() || DEFAULT_AI_LABEL,
      );
      if (messages.some((m) => m.from !== 'agent')) turn.leadDone = true;
      const last = messages.at(-1);
      if (final && turn.style.tail && last?.type === 'choices') {
        turn.dialog = { ...turn.dialog, offered: last.quickReplies };
        turn.context.offeredHelpTurn = turn.context.turn;
      }
    }
    messages = messages.map((m) => replyInScript(m, turn.context.script));
    const lines = messages.map((message, i) => {
      const output = pending[i]?.output;
      return line(turn, directionOf(message), message.text, {
        ...(output?.intent ? { intent: output.intent } : {}),
        ...(output?.node ? { dialogNode: output.node } : {}),
        ...(message.type === 'choices' ? { quickReplies: message.quickReplies } : {}),
        ...(output?.question ? { data: { question: output.question } } : {}),
      });
    });
    await transcripts.appendMany(lines);
    for (const p of pending) noteReply(turn.context, p.output, turn.env);
    if (messages.some((m) => m.from !== 'agent')) turn.context.greeted = true;
    turn.replies.push(...messages);
  }

  function compliant(turn: Turn, message: OutboundMessage, node: string | null): OutboundMessage {
    const check = checkOutboundCompliance(message.text);
    if (check.ok) return message;
    logger.warn('outbound text blocked by compliance check', {
      conversationId: turn.state.conversationId,
      node,
      reasons: check.reasons,
    });
    const text = renderTemplate(
      '抱歉，这个问题我暂时无法准确回答。请拨打客服热线{firm.hotline}咨询，或回复「转人工」。',
      turn.env.firm,
    );
    return { type: 'text', text, ...(message.from ? { from: message.from } : {}) };
  }

  async function sendPlain(turn: Turn, messages: OutboundMessage[]): Promise<void> {
    await send(
      turn,
      messages.map((message) => ({ message, node: null, intent: null, riskDisclosure: false })),
    );
  }

  /** Runs the interpreter and every effect it asks for until it waits for the customer. */
  async function runDialog(turn: Turn, input: DialogInput): Promise<void> {
    let result: StepResult = step(turn.env, turn.dialog, input);
    for (let i = 0; ; i++) {
      turn.dialog = result.state;
      await send(turn, result.outputs);
      const pending = result.awaitingEffect ? result.effects.at(-1) : undefined;
      for (const effect of result.effects) {
        if (effect !== pending) await executeEffect(turn, effect);
      }
      if (!pending) return;
      if (i >= MAX_EFFECTS_PER_TURN)
        throw new Error('dialog asked for too many effects in one turn');
      const outcome = await executeEffect(turn, pending);
      result = step(turn.env, turn.dialog, { kind: 'effect_result', ...outcome });
    }
  }

  async function executeEffect(turn: Turn, effect: DialogEffect): Promise<EffectOutcome> {
    await flush(turn, false);
    // The desk says who comes and when: a courtesy 「转人工」 offer after it would contradict it.
    if (effect.kind === 'handoff' && turn.style)
      turn.style = { ...turn.style, tail: '', offerHuman: false };
    const effectTurn: EffectTurn = {
      conversationId: turn.state.conversationId,
      state: turn.state,
      channel: turn.channel,
      now: turn.now,
      firm: turn.env.firm,
      logger,
      say: (messages) => sendPlain(turn, messages),
      record: (direction, text, extra) => record(turn, direction, text, extra),
    };
    return runEffect(effects, effect, effectTurn);
  }

  async function withConversation(
    message: Pick<InboundMessage, 'conversationId' | 'channel' | 'userId' | 'channelRef'>,
    body: (turn: Turn) => Promise<void>,
    onError: (turn: Turn | null, error: unknown) => Promise<OutboundMessage[]>,
  ): Promise<OutboundMessage[]> {
    const now = clock();
    let turn: Turn | null = null;
    let release: (() => Promise<void>) | null = null;
    try {
      release = await states.lock(message.conversationId, lockTtlMs);
      const loaded = await states.load(message.conversationId);
      const env = environment();
      const nlu = currentNlu();
      // Every store hands out a detached copy (its contract suite checks), so the turn may change
      // it in place.
      const state: ConversationState = loaded?.state ?? newState(message, now.toISOString());
      if (message.channelRef !== undefined) state.channelRef = message.channelRef;
      turn = {
        state,
        dialog: restoreDialogState(state.dialog, env.dialogs),
        env,
        nlu,
        replies: [],
        channel: message.channel,
        now,
        intent: 'none',
        context: readContext(state.memory),
        style: null,
        pending: [],
        leadDone: false,
        saidNow: [],
      };
      await body(turn);
      await flush(turn, true);
      turn.context.saidBefore = [...turn.context.saidBefore, ...turn.saidNow].slice(-REMEMBERED);
      writeContext(state.memory, turn.context);
      state.dialog = turn.dialog as unknown as Json;
      state.updatedAt = clock().toISOString();
      const saved = await states.save(state, loaded ? loaded.version : null);
      if (!saved.ok) throw new Error('conversation state changed during the turn (lock expired?)');
      return turn.replies;
    } catch (error) {
      return onError(turn, error);
    } finally {
      if (release) {
        await release().catch((error: unknown) =>
          logger.warn('releasing conversation lock failed', {
            conversationId: message.conversationId,
            error: describe(error),
          }),
        );
      }
    }
  }

  async function handleInbound(message: InboundMessage): Promise<OutboundMessage[]> {
    const started = Date.now();
    let customerRecorded = false;
    let turnIntent = 'none';
    const sensitive =
      message.content.kind === 'text' || message.content.kind === 'choice'
        ? findSensitive(inboundText(message), clock())
        : { kinds: [], redacted: inboundText(message) };
    const stored = sensitive.redacted;
    const replies = await withConversation(
      message,
      async (turn) => {
        const content = message.content;
        if (content.kind === 'event') {
          if (turn.state.handoff === null) await greet(turn);
          return;
        }
        const handoffOpen = turn.state.handoff !== null;
        // Passwords and verification codes never reach the transcript, the desk or the logs.
        const text = stored.trim();
        const readable =
          content.kind !== 'media' && text.length > 0 && text.length <= maxTextLength;
        const context = turn.context;
        if (readable) {
          context.turn += 1;
          context.at = turn.now.toISOString();
          const normalized = normalizeText(text);
          const tone = readTone(text, normalized, context.lastText);
          context.lastText = normalized;
          if (tone.elderly) context.elderly = true;
          if (tone.frustrated) context.frustratedTurn = context.turn;
          if (scriptFollowsCustomer(turn.env.firm, turn.channel)) {
            context.script = nextScript(context.script, text, {
              firstMessage: context.turn === 1,
              previousSeen: context.lastScriptSeen,
            });
            context.lastScriptSeen = detectScript(text) ?? context.lastScriptSeen;
          }
          turn.style = styleFor(context, tone, turn.env.firm);
        }
        const llmContext: LlmTurnContext = {
          conversationId: turn.state.conversationId,
          channel: turn.channel,
          startedAt: started,
        };
        // While a human is awaited the message is read only when the bot may answer it.
        const waiting = handoffOpen ? readWaitingTurn(turn.state.handoff as Json, text) : null;
        const asked =
          waiting === null || waiting.kind === 'queued'
            ? text
            : waiting.kind === 'cancel'
              ? waiting.rest
              : null;
        const asks: Ask[] =
          readable && asked
            ? await planTurn(turn, asked, content.kind === 'choice', llmContext)
            : [];
        const first = asks[0];
        const nlu = first && 'nlu' in first ? first.nlu : null;
        // A follow-up answered from the latest answer, or re-said in steps, is of that topic.
        turn.intent =
          nlu?.intent ?? (first && 'topic' in first ? first.topic : first?.kind) ?? 'none';
        turnIntent = turn.intent;
        const said = line(turn, 'customer', stored.slice(0, maxTextLength * 4), {
          ...(nlu
            ? { intent: nlu.intent, confidence: nlu.confidence }
            : first && 'topic' in first
              ? { intent: first.topic }
              : {}),
          ...(turn.dialog.frame
            ? { dialogNode: `${turn.dialog.frame.dialogId}/${turn.dialog.frame.nodeId}` }
            : {}),
          ...(asks.length > 1 || rewrites(asks).length > 0 || (nlu && nluNote(nlu))
            ? {
                data: {
                  ...(asks.length > 1 ? { asks: asks.map(describeAsk) } : {}),
                  ...(rewrites(asks).length > 0 ? { rewrittenAs: rewrites(asks).join(' / ') } : {}),
                  ...(nlu && nluNote(nlu) ? { nlu: nluNote(nlu) } : {}),
                },
              }
            : {}),
        });
        await transcripts.appendMany(redactLines(customerLines(message, said, maxTextLength * 4)));
        customerRecorded = true;
        if (sensitive.kinds.length > 0) {
          await sendPlain(turn, [{ type: 'text', text: sensitiveWarning(sensitive.kinds) }]);
        }
        if (handoffOpen) {
          if (waiting?.kind !== 'cancel') return whileWaiting(turn, text, asks);
          await cancelWait(turn, text);
          if (asks.length === 0) return;
        }
        if (content.kind === 'media') {
          await sendPlain(turn, [
            {
              type: 'text',
              text: renderTemplate(
                `抱歉，我暂时只能看懂文字消息，看不了${mediaName(content.media)}。请用文字描述您的问题，我可以解答开户、交易规则、银证转账等证券业务问题，也可以帮您登记投诉或转人工客服。`,
                turn.env.firm,
              ),
            },
          ]);
          return;
        }
        if (text.length === 0) {
          await sendPlain(turn, [
            { type: 'text', text: '您好，请问有什么可以帮您？请用文字描述您的问题。' },
          ]);
          return;
        }
        if (!readable) {
          await sendPlain(turn, [
            {
              type: 'text',
              text: `抱歉，您的消息有点长，我一次只能读${maxTextLength}字以内的内容。请精简后再发，或分几次发送，谢谢。`,
            },
          ]);
          return;
        }
        const levelBefore = turn.dialog.fallbackLevel;
        const answering = turn.dialog.awaiting === 'input' || content.kind === 'choice';
        for (const ask of asks) {
          // A question left open (a form, a choice) waits for its answer before the next topic;
          // with a human agent in charge the bot says no more.
          if (ask !== first && (turn.dialog.awaiting === 'input' || turn.state.handoff !== null))
            break;
          await answer(turn, ask, content.kind === 'choice' ? content.value : null, llmContext);
        }
        const rose = turn.dialog.fallbackLevel > levelBefore;
        if (rose) deps.metrics?.onFallback?.(turn.channel, turn.dialog.fallbackLevel);
        if (nlu) {
          deps.metrics?.onReading?.({
            conversationId: message.conversationId,
            channel: turn.channel,
            at: turn.now,
            text,
            nlu,
            fallbackStep: rose ? turn.dialog.fallbackLevel : 0,
            answering,
            hadHandoff: turn.state.memory.hadHandoff === true,
          });
        }
      },
      async (turn, error) => {
        logger.error('turn failed', {
          conversationId: message.conversationId,
          channel: message.channel,
          error: describe(error),
        });
        const apology = renderTemplate(
          '抱歉，系统暂时有点忙，没能处理您的消息。请稍后再试，或拨打客服热线{firm.hotline}。',
          turn?.env.firm ?? firmOrEmpty(),
        ).replace('，或拨打客服热线{firm.hotline}', '');
        const minimal = {
          state: turn?.state ?? placeholderState(message),
          channel: message.channel,
          now: clock(),
        };
        try {
          if (!customerRecorded && message.content.kind !== 'event') {
            await transcripts.appendMany(
              redactLines(
                customerLines(
                  message,
                  line(minimal, 'customer', stored.slice(0, maxTextLength * 4)),
                  maxTextLength * 4,
                ),
              ),
            );
          }
          await record(minimal, 'bot', apology, { data: { error: true } });
        } catch (recordError) {
          logger.error('recording failed turn failed', {
            conversationId: message.conversationId,
            error: describe(recordError),
          });
        }
        return [{ type: 'text', text: apology }];
      },
    );
    deps.metrics?.onTurn?.(
      message.channel,
      turnIntent,
      Date.now() - started,
      message.conversationId,
    );
    return replies;
  }

  /**
   * The questions this message asks. A tap, a typed pick of an offered button or the answer to an
   * open question is read whole; anything else is read in the light of the conversation.
   */
  async function planTurn(
    turn: Turn,
    text: string,
    tapped: boolean,
    llmContext: LlmTurnContext,
  ): Promise<Ask[]> {
    // Understanding reads the same clause several ways (alone, completed, split): each text is
    // analysed once per turn.
    const readings = new Map<string, NluResult>();
    const read = (t: string): NluResult => {
      let r = readings.get(t);
      if (!r) {
        r = turn.nlu.analyze(t, turn.now);
        readings.set(t, r);
      }
      return r;
    };
    const nlu = turn.nlu;
    const analyze = (t: string): NluResult => adviceSafetyNet(t, read(t));
    const whole = (): Ask[] => [{ kind: 'message', text, nlu: analyze(text), via: 'as_is' }];
    if (tapped || picksOffered(turn.dialog.offered, text)) return whole();
    const understood = understand(questionOf(text, read), turn.context, turn.now, {
      analyze: read,
      kb: nlu.kb ?? noKnowledgeBase,
      // Without a vocabulary every unplaced message is treated as a question the bot should place.
      inDomain: (t) => nlu.inDomain?.(t) ?? true,
      intents: turn.env.intents,
      confidentAt: policy.confidentAt,
      complaintIntent: policy.complaintIntent,
      humanIntent: policy.humanIntent,
      smallTalkIntents: policy.smallTalkIntents,
      answerText: (id) => {
        const template = id.startsWith('@')
          ? turn.env.intents.get(id.slice(1))?.answers[0]
          : turn.env.questions.get(id)?.answers[0];
        return template === undefined ? undefined : renderTemplate(template, turn.env.firm);
      },
    });
    if (turn.dialog.awaiting === 'input') {
      // A form reads the answer whole. A question the bot asked in passing (the survey, the
      // ladder's offer) yields to clear new questions: the customer moved on.
      const frame = turn.dialog.frame;
      const dialog = frame ? turn.env.dialogs.get(frame.dialogId) : undefined;
      const node = frame ? dialog?.nodes[frame.nodeId] : undefined;
      // A question answered in the customer's own words (the survey's comment, what was not
      // satisfying) keeps the message: the form itself tells an answer from a new question.
      const opinion = node?.kind === 'ask' && node.type === 'text';
      const passing = dialog?.interrupt === 'abandon' && !opinion;
      // A question placed on its own, or one about the answer just given (a part of it, the
      // same again, in steps), is the customer moving on.
      const moved = understood.asks.some((a) =>
        a.kind === 'message'
          ? (a.nlu.question?.confidence ?? 0) >= 0.5 || (a.via === 'anchor' && !!a.nlu.question)
          : a.kind === 'part' || a.kind === 'repeat' || a.kind === 'in_steps',
      );
      if (!passing || !moved) return whole();
      turn.dialog = { ...turn.dialog, frame: null, awaiting: null };
    }
    const asks: Ask[] = [];
    for (const a of understood.asks) {
      if (a.kind === 'not_helped' || a.kind === 'in_steps' || a.kind === 'part') {
        asks.push(a);
        continue;
      }
      let ask: Ask = { ...a, nlu: adviceSafetyNet(a.text, a.nlu) };
      // 那你们有没有稳赚不赔的 after the lottery refusal is a request for advice, not the refusal
      // again: the advice rules outrank a repeat.
      if (
        ask.kind === 'repeat' &&
        ask.nlu.intent === ADVICE_INTENT &&
        a.nlu.intent !== ADVICE_INTENT
      )
        ask = { kind: 'message', text: ask.text, nlu: ask.nlu, via: 'as_is' };
      // Optional LLM layer (issue #15): an elliptical follow-up the rules above could not place
      // is rewritten into a standalone question and read again.
      if (ask.kind === 'message' && deps.llm?.rewriter && unplaced(turn, ask)) {
        const resolved = await resolveFollowUpWithModel(deps.llm.rewriter, {
          text: ask.text,
          transcripts,
          context: llmContext,
          now: turn.now,
          analyze,
          log: logger,
        });
        if (resolved) ask = { ...ask, nlu: resolved.nlu, read: resolved.text, rewritten: true };
      }
      asks.push(ask);
    }
    return asks;
  }

  /**
   * No standard question was found: an in-domain message the rules could not place, or a
   * follow-up they could only tie to its topic in general.
   */
  /**
   * What the message asks: read without the secrets and numbers handed over with their labels
   * when that reads another topic, surely and more surely than the whole (the 密码 of 资金账号…
   * 密码660512 你帮我看看我佣金 is not the question), whole otherwise (我资金密码是880088会不会太简单
   * is about the password).
   */
  function questionOf(text: string, read: (t: string) => NluResult): string {
    const plain = withoutSensitive(text);
    if (plain === text || normalizeText(plain).length < 2) return text;
    const reading = read(plain);
    const whole = read(text);
    return reading.intent !== OUT_OF_SCOPE &&
      reading.intent !== whole.intent &&
      reading.confidence >= policy.confidentAt &&
      reading.confidence > whole.confidence
      ? plain
      : text;
  }

  function unplaced(turn: Turn, ask: Extract<Ask, { kind: 'message' }>): boolean {
    if (ask.nlu.question) return false;
    if (ask.via === 'anchor') return true;
    return isFollowUpCandidate({
      dialog: turn.dialog,
      text: ask.text,
      choice: null,
      nlu: ask.nlu,
      knownIntents: turn.env.intents,
      policy,
    });
  }

  async function answer(
    turn: Turn,
    ask: Ask,
    choice: string | null,
    llmContext: LlmTurnContext,
  ): Promise<void> {
    if (ask.kind === 'not_helped') return nextStep(turn, ask.questionId);
    if (ask.kind === 'in_steps') return inSteps(turn, ask.questionId, ask.topic);
    if (ask.kind === 'repeat') return recap(turn, ask.questionId, ask.text);
    if (ask.kind === 'part') return partAnswer(turn, ask);
    if (ask.nlu.intent !== OUT_OF_SCOPE && ask.nlu.confidence >= policy.confidentAt)
      noteIntentSeen(turn.state, ask.nlu.intent);
    // Optional LLM layer (issue #15): where the fallback ladder would start for an in-domain
    // question, a grounded answer from knowledge/ may come first.
    const candidate = {
      dialog: turn.dialog,
      text: ask.text,
      choice,
      nlu: ask.nlu,
      knownIntents: turn.env.intents,
      policy,
    };
    if (deps.llm?.answerer && isLongTailCandidate(candidate)) {
      const outputs = await answerFromKnowledge(
        deps.llm.answerer,
        ask.read ?? ask.text,
        llmContext,
        turn.env.firm,
        logger,
      );
      if (outputs) {
        await send(turn, outputs);
        turn.dialog = afterKnowledgeAnswer(turn.dialog);
        return;
      }
    }
    const note = eligibilityFor(turn, ask);
    if (note) await sendPlain(turn, [{ type: 'text', text: note }]);
    await runDialog(turn, {
      kind: 'message',
      text: ask.read && ask.rewritten ? ask.read : ask.text,
      choice,
      nlu: ask.nlu,
      now: turn.now.toISOString(),
    });
  }

  /** 我有三十万能开港股通吗: the stated assets against the topic's own threshold, said first. */
  function eligibilityFor(turn: Turn, ask: Extract<Ask, { kind: 'message' }>): string | null {
    const topic = turn.env.intents.get(ask.nlu.intent);
    if (!topic || ask.nlu.confidence < policy.confidentAt) return null;
    const conditions = topic.questions.find((q) => q.aspect === 'conditions');
    const template = conditions?.answers[0];
    if (!template) return null;
    const what = titleInSentence(topic.title).replace(/权限$/u, '');
    return eligibilityNote(ask.text, renderTemplate(template, turn.env.firm), what);
  }

  /**
   * The answer did not help: the question's own next step (a troubleshooting dialog, another
   * question) the first time, then a human agent offered. Never the same paragraph again.
   */
  async function nextStep(turn: Turn, questionId: string | null): Promise<void> {
    const context = turn.context;
    context.notHelped += 1;
    const next = questionId ? turn.env.questions.get(questionId)?.next : undefined;
    const now = turn.now.toISOString();
    if (context.notHelped <= 1 && next && next !== 'human') {
      if (turn.env.dialogs.has(next))
        return runDialog(turn, { kind: 'start', dialogId: next, now });
      const question = turn.env.questions.get(next);
      if (question)
        return runDialog(turn, {
          kind: 'message',
          text: question.question,
          choice: null,
          nlu: {
            intent: question.topic,
            confidence: 1,
            alternatives: [],
            entities: [],
            question: { id: question.id, confidence: 1 },
          },
          now,
        });
    }
    await runDialog(turn, { kind: 'start', dialogId: policy.unresolvedDialog, now });
  }

  /** The part of the latest answer a sub-question asks about (那被限制多久), said alone. */
  async function partAnswer(turn: Turn, ask: Extract<Ask, { kind: 'part' }>): Promise<void> {
    const question = ask.questionId.startsWith('@')
      ? undefined
      : turn.env.questions.get(ask.questionId);
    await send(turn, [
      {
        message: { type: 'text', text: ask.part },
        node: null,
        intent: ask.topic,
        ...(question ? { question: question.id } : {}),
        riskDisclosure:
          question?.riskDisclosure ?? turn.env.intents.get(ask.topic)?.riskDisclosure ?? false,
      },
    ]);
  }

  /** The answer in play again as numbered steps (说得简单点，一步一步的). */
  async function inSteps(turn: Turn, questionId: string | null, topic: string): Promise<void> {
    const question = questionId ? turn.env.questions.get(questionId) : undefined;
    const answer = question?.answers[0] ?? turn.env.intents.get(topic)?.answers[0];
    if (!answer) return nextStep(turn, questionId);
    await send(turn, [
      {
        message: { type: 'text', text: renderSteps(renderTemplate(answer, turn.env.firm)) },
        node: null,
        intent: topic,
        riskDisclosure:
          question?.riskDisclosure ?? turn.env.intents.get(topic)?.riskDisclosure ?? false,
      },
    ]);
  }

  /** The same question again right after its answer: the gist and a way forward, not a re-send. */
  async function recap(turn: Turn, answeredId: string, asked: string): Promise<void> {
    const human = { label: HUMAN_REPLY_LABEL, value: INTENT_CHOICE_PREFIX + policy.humanIntent };
    const asButtons = (ids: readonly string[]): QuickReply[] =>
      ids.flatMap((id) => {
        const q = turn.env.questions.get(id);
        return q ? [{ label: q.question, value: `${QUESTION_CHOICE_PREFIX}${id}` }] : [];
      });
    let text: string;
    let quickReplies: QuickReply[];
    const topic = answeredId.startsWith('@')
      ? turn.env.intents.get(answeredId.slice(1))
      : undefined;
    if (topic) {
      // A topic's overview again: ask which of its questions is meant instead.
      text = `关于${titleInSentence(topic.title)}，您具体想了解哪一项？请点选下面的问题，或者直接告诉我您遇到的情况。`;
      quickReplies = [...asButtons(topic.questions.slice(0, 3).map((q) => q.id)), human];
    } else {
      const question = turn.env.questions.get(answeredId);
      const gist = question
        ? gistFor(renderTemplate(question.answers[0] ?? '', turn.env.firm), asked)
        : '';
      text =
        question?.topic === OUT_OF_SCOPE
          ? `同样，${gist}`
          : `这个问题刚才已经为您解答过${gist ? `，要点是：${gist}` : '。'}如果还有哪里不清楚，可以告诉我具体卡在哪一步；需要人工协助请回复「转人工」。`;
      quickReplies = [...asButtons((question?.related ?? []).slice(0, 2)), human];
    }
    await sendPlain(turn, [{ type: 'choices', text, quickReplies }]);
    turn.dialog = { ...turn.dialog, offered: quickReplies };
  }

  async function greet(turn: Turn): Promise<void> {
    const quickReplies = policy.popularIntents
      .filter((id) => turn.env.intents.has(id))
      .map((id) => ({ label: turn.env.intents.get(id)?.title ?? id, value: `intent:${id}` }));
    const text = renderTemplate(
      '您好，我是{firm.firmName}智能客服{firm.botName}，可以为您解答开户、交易规则、银证转账、权限开通等问题，也可以帮您登记投诉或转人工客服。请问有什么可以帮您？',
      turn.env.firm,
    );
    turn.dialog = { ...turn.dialog, offered: quickReplies };
    await sendPlain(turn, [{ type: 'choices', text, quickReplies }]);
  }

  /** A message while a human is awaited or in charge (see src/handoff/waiting-turn.ts). */
  async function whileWaiting(turn: Turn, text: string, asks: readonly Ask[]): Promise<void> {
    const answered = questionsToAnswerWhileQueued(asks, turn.env.questions, policy);
    // The desk says who comes and when: no courtesy 「转人工」 offer after the answer.
    if (turn.style) turn.style = { ...turn.style, tail: '', offerHuman: false };
    await send(
      turn,
      answered.map((q) => answerWhileQueued(q, turn.env.firm)),
    );
    await relayToAgent(
      turn,
      text,
      answered.map((q) => q.question),
    );
  }

  async function cancelWait(turn: Turn, said: string): Promise<void> {
    const cancelled = await deps.handoff.cancel(
      turn.state.conversationId,
      turn.state.handoff as Json,
      said,
    );
    turn.state.handoff = null;
    await sendPlain(turn, cancelled.messages);
  }

  async function relayToAgent(turn: Turn, text: string, answered: string[]): Promise<void> {
    const conversationId = turn.state.conversationId;
    const handoff = turn.state.handoff as Json;
    const relayed = await deps.handoff.relayCustomerMessage(
      conversationId,
      handoff,
      text,
      answered.length > 0 ? { answeredByBot: answered } : {},
    );
    turn.state.handoff = relayed.handoff;
    await sendPlain(turn, relayed.messages);
    // Nobody will come: the bot takes a message as a form (this line may already say what for).
    const offer = relayed.leaveMessage;
    if (offer && turn.env.dialogs.has(policy.leaveMessageDialog)) {
      turn.dialog = { ...turn.dialog, frame: null, stack: [], awaiting: null };
      await runDialog(turn, {
        kind: 'start',
        dialogId: policy.leaveMessageDialog,
        now: turn.now.toISOString(),
        slots: { offer: offer.offer, why: offer.why, callbackWhen: offer.callbackWhen },
        text,
      });
    }
  }

  async function resumeAfterHandoff(conversationId: string): Promise<OutboundMessage[]> {
    const loaded = await states.load(conversationId);
    if (!loaded) return [];
    const { state } = loaded;
    return withConversation(
      state,
      async (turn) => {
        turn.state.handoff = null;
        turn.dialog = { ...turn.dialog, frame: null, stack: [], awaiting: null };
        if (turn.dialog.surveyOffered) {
          await sendPlain(turn, [
            { type: 'text', text: '人工服务已结束，如还有其他问题，欢迎继续向我咨询。' },
          ]);
          return;
        }
        await runDialog(turn, {
          kind: 'start',
          dialogId: policy.surveyDialog,
          now: turn.now.toISOString(),
        });
      },
      async (_turn, error) => {
        logger.error('resuming after handoff failed', { conversationId, error: describe(error) });
        return [];
      },
    );
  }

  /**
   * Tells the customer a ticket's result outside a turn and asks for their verdict (the feedback
   * dialog, with the ticket as the conversation's ticket); a form in progress is resumed after it.
   * With an agent in the conversation only the result is said. Returns what to deliver; throws
   * when nothing could be recorded, so the caller knows the customer was not told.
   */
  async function askTicketFeedback(
    conversationId: string,
    request: { ticketId: string; intro: OutboundMessage[] },
  ): Promise<OutboundMessage[]> {
    const loaded = await states.load(conversationId);
    if (!loaded) throw new Error(`no conversation ${conversationId} to tell the result`);
    return withConversation(
      loaded.state,
      async (turn) => {
        await sendPlain(turn, request.intro);
        if (turn.state.handoff !== null) return;
        // A form in progress comes back after the question; a survey or menu is simply dropped.
        const { frame, awaiting, stack } = turn.dialog;
        const resumable =
          frame &&
          awaiting === 'input' &&
          turn.env.dialogs.get(frame.dialogId)?.interrupt === 'resume';
        const suspended = resumable ? [...stack, frame] : stack;
        turn.dialog = { ...turn.dialog, frame: null, awaiting: null, stack: suspended };
        turn.dialog.ticketId = request.ticketId;
        await runDialog(turn, {
          kind: 'start',
          dialogId: TICKET_FEEDBACK_DIALOG,
          now: turn.now.toISOString(),
        });
      },
      async (_turn, error) => {
        throw error;
      },
    );
  }

  /**
   * A message the edge answered without a turn (too fast, too long) still belongs to the record:
   * the customer's line and the polite reply are appended, without the turn lock or state, so a
   * flood costs one append and no NLU. Never throws: the reply goes out even if the store is down.
   */
  async function recordRefused(
    message: InboundMessage,
    replies: OutboundMessage[],
    reason: RefusalReason,
  ): Promise<void> {
    const turn = { state: placeholderState(message), channel: message.channel };
    const extra = { data: { refused: reason } };
    const lines = [
      ...(message.content.kind === 'event'
        ? []
        : [
            line(
              turn,
              'customer',
              // Passwords and codes stay out of the record for refused messages too.
              findSensitive(inboundText(message), clock()).redacted.slice(0, maxTextLength * 4),
              extra,
            ),
          ]),
      ...replies.map((reply) => line(turn, reply.from ?? 'system', reply.text, extra)),
    ];
    try {
      // One batch, as for a turn's replies: a flood of refusals costs one disk sync each.
      if (lines.length > 0) await transcripts.appendMany(lines);
    } catch (error) {
      logger.error('recording a refused message failed', {
        conversationId: message.conversationId,
        reason,
        error: describe(error),
      });
    }
  }

  return { handleInbound, resumeAfterHandoff, askTicketFeedback, recordRefused };
}

/** Each message of a burst is stored without its passwords and verification codes too. */
function redactLines(lines: NewTranscriptEntry[]): NewTranscriptEntry[] {
  return lines.length <= 1
    ? lines
    : lines.map((l) => ({ ...l, text: findSensitive(l.text).redacted }));
}

/** The customer typed the number or the label of a button the bot just offered. */
function picksOffered(offered: readonly QuickReply[], text: string): boolean {
  const typed = text.trim();
  if (offered.length === 0) return false;
  if (/^\d{1,2}$/.test(typed)) {
    const n = Number(typed);
    return n >= 1 && n <= offered.length;
  }
  return offered.some((q) => q.label === typed || q.value === typed);
}

/** The model's rewrites of elliptical follow-ups in this message (for the transcript). */
function rewrites(asks: readonly Ask[]): string[] {
  return asks.flatMap((a) => (a.kind === 'message' && a.rewritten && a.read ? [a.read] : []));
}

function describeAsk(ask: Ask): string {
  if (ask.kind === 'not_helped' || ask.kind === 'in_steps') return ask.kind;
  if (ask.kind === 'part') return `part:${ask.questionId}`;
  const question = ask.nlu.question ? `/${ask.nlu.question.id}` : '';
  return `${ask.kind === 'repeat' ? 'repeat:' : ''}${ask.nlu.intent}${question}`;
}

/** The gist of an answer for a recap: its first sentences, up to about 90 characters. */

function directionOf(message: OutboundMessage): Direction {
  return message.from === 'agent' ? 'agent' : message.from === 'system' ? 'system' : 'bot';
}

const MEDIA_NAMES: Record<string, string> = {
  image: '图片',
  voice: '语音',
  video: '视频',
  sticker: '表情',
  file: '文件',
  location: '位置',
  link: '链接',
  other: '这类消息',
};

function mediaName(media: string): string {
  return MEDIA_NAMES[media] ?? '这类消息';
}

const ADVICE_INTENT = 'advice.request';

/**
 * The bot must never tip stocks, so a message the advice rules recognise is answered as an advice
 * request (a polite decline with the risk disclosure) even when the classifier heard something
 * else; what the classifier thought stays first among the alternatives.
 */
function adviceSafetyNet(text: string, nlu: NluResult): NluResult {
  const namesSecurity = namedSecurities(nlu.entities).length > 0;
  if (nlu.intent === ADVICE_INTENT) {
    // 帮我看看我的持仓 asks to look into the account (which the bot cannot), not for advice: an
    // unsure classifier reading is not acted on as advice when the rules see none.
    const lookup =
      nlu.confidence < SURE_ADVICE &&
      isAccountLookup(text) &&
      !isAdviceRequest(text, { namesSecurity });
    return lookup
      ? { ...nlu, confidence: Math.min(nlu.confidence, DEFAULT_POLICY.confidentAt - 0.01) }
      : nlu;
  }
  return isAdviceRequest(text, { namesSecurity }) ? withRuleIntent(nlu, ADVICE_INTENT) : nlu;
}
/** An advice reading this sure stands even when the rules see no request for advice. */
const SURE_ADVICE = 0.8;

function inboundText(message: InboundMessage): string {
  const c = message.content;
  // Adapters validate, but a number or null from a loose JSON body must not break the turn.
  if (c.kind === 'text') return typeof c.text === 'string' ? c.text : String(c.text ?? '');
  if (c.kind === 'choice') return typeof c.label === 'string' ? c.label : String(c.value ?? '');
  if (c.kind === 'media') return `[${mediaName(c.media)}]`;
  return '';
}

/** The state of a conversation the bot has not seen before. */
function newState(
  message: Pick<InboundMessage, 'conversationId' | 'channel' | 'userId' | 'channelRef'>,
  at: string,
): ConversationState {
  return {
    conversationId: message.conversationId,
    channel: message.channel,
    userId: message.userId,
    channelRef: message.channelRef ?? null,
    dialog: null,
    handoff: null,
    memory: {},
    createdAt: at,
    updatedAt: at,
  };
}

/** Stands in for the state where none was loaded (failed or refused turns): never saved. */
function placeholderState(message: InboundMessage): ConversationState {
  return newState(message, message.receivedAt);
}

/** An error for a log line: never the customer's words in clear. */
function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return maskPersonalData(text);
}

/** The output is a question of a dialog (an ask or choice node) waiting for the customer. */
function isQuestionNode(env: DialogEnvironment, ref: string | null): boolean {
  if (!ref) return false;
  const [dialogId, nodeId] = ref.split('/');
  const node = dialogId && nodeId ? env.dialogs.get(dialogId)?.nodes[nodeId] : undefined;
  return node?.kind === 'ask' || node?.kind === 'choice';
}
