// The dialog effects registry. The interpreter asks for effects as plain data (create a ticket,
// record a survey, start a handoff); each effect is carried out by the module that owns its domain
// (src/tickets, src/handoff, ...), registered here, so the turn pipeline only dispatches.
import type { FirmSettings } from '../content/types.ts';
import type { DialogEffect } from '../dialog/types.ts';
import type { ConversationState, Direction, Json } from '../store/types.ts';
import type { ChannelId, OutboundMessage } from './message.ts';

/** What an effect hands back to the dialog (`effect_result` input): success and slot values. */
export interface EffectOutcome {
  ok: boolean;
  data: Record<string, string>;
}

export interface EffectLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The part of a running turn an effect may use. */
export interface EffectTurn {
  readonly conversationId: string;
  /** The conversation state of this turn; an effect may change it (a handoff sets `handoff`). */
  readonly state: ConversationState;
  /** The channel the message of this turn came on. */
  readonly channel: ChannelId;
  readonly now: Date;
  readonly firm: FirmSettings;
  readonly logger: EffectLogger;
  /** Says messages to the customer in this turn (compliance, transcript, reply list). */
  say(messages: OutboundMessage[]): Promise<void>;
  /** Keeps a record line with the conversation (a survey answer, a note). */
  record(
    direction: Direction,
    text: string,
    extra: { kind: 'survey' | 'note'; data?: { [key: string]: Json } },
  ): Promise<void>;
}

export type EffectKind = DialogEffect['kind'];

export type EffectHandler<K extends EffectKind> = (
  effect: Extract<DialogEffect, { kind: K }>,
  turn: EffectTurn,
) => Promise<EffectOutcome>;

export type EffectHandlers = { [K in EffectKind]: EffectHandler<K> };

/** Later registrations win, so an app or a test can replace one handler and keep the rest. */
export function composeEffects(...parts: Partial<EffectHandlers>[]): Partial<EffectHandlers> {
  return Object.assign({}, ...parts) as Partial<EffectHandlers>;
}

/** Runs one effect with its registered handler; an unregistered kind is a wiring bug. */
export async function runEffect(
  handlers: Partial<EffectHandlers>,
  effect: DialogEffect,
  turn: EffectTurn,
): Promise<EffectOutcome> {
  const handler = handlers[effect.kind] as EffectHandler<typeof effect.kind> | undefined;
  if (!handler) throw new Error(`no handler registered for dialog effect ${effect.kind}`);
  return handler(effect as never, turn);
}
