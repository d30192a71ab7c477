// Bot Framework activities to and from the internal message form. Pure functions: no network,
// no adapter state; the menu the customer was last offered is passed in.
import type { Activity, Attachment, CardAction, ConversationReference } from 'botbuilder';
import type { InboundContent, MediaKind, OutboundMessage, QuickReply } from '../../core/message.ts';
import type { Json } from '../../store/types.ts';

export const BOTFRAMEWORK_PREFIX = 'botframework:';

/** The parts of an activity the channel relies on, checked before anything else reads it. */
export type ActivityCheck = { ok: true } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** Shape check of a POSTed body: an object with a `type`. */
export function checkActivityEnvelope(body: unknown): ActivityCheck {
  if (!isRecord(body)) return { ok: false, error: 'the body must be a JSON activity object' };
  if (!nonEmptyString(body.type)) return { ok: false, error: 'the activity has no type' };
  return { ok: true };
}

/** What a turn needs: who, where, and where to answer. */
export function checkTurnActivity(activity: Partial<Activity>): ActivityCheck {
  if (!nonEmptyString(activity.channelId)) return { ok: false, error: 'channelId is required' };
  if (!nonEmptyString(activity.serviceUrl)) return { ok: false, error: 'serviceUrl is required' };
  if (!isRecord(activity.conversation) || !nonEmptyString(activity.conversation.id)) {
    return { ok: false, error: 'conversation.id is required' };
  }
  if (!isRecord(activity.from) || !nonEmptyString(activity.from.id)) {
    return { ok: false, error: 'from.id is required' };
  }
  if (activity.attachments !== undefined && !Array.isArray(activity.attachments)) {
    return { ok: false, error: 'attachments must be an array' };
  }
  if (activity.membersAdded !== undefined && !Array.isArray(activity.membersAdded)) {
    return { ok: false, error: 'membersAdded must be an array' };
  }
  if (activity.text !== undefined && activity.text !== null && typeof activity.text !== 'string') {
    return { ok: false, error: 'text must be a string' };
  }
  return { ok: true };
}

/** The bot's conversation id: channel and Bot Framework conversation, so ids never collide. */
export function botFrameworkConversationId(channelId: string, conversationId: string): string {
  return `${BOTFRAMEWORK_PREFIX}${channelId}:${conversationId}`;
}

/** What the customer meant by this activity, or null when it is not a turn (typing, bot added...). */
export function inboundContentOf(
  activity: Partial<Activity>,
  offered: readonly QuickReply[] | null,
): InboundContent | null {
  if (activity.type === 'conversationUpdate') {
    const botId = activity.recipient?.id;
    const customerJoined = (activity.membersAdded ?? []).some(
      (member) => isRecord(member) && member.id !== botId,
    );
    return customerJoined ? { kind: 'event', event: 'conversation_start' } : null;
  }
  if (activity.type !== 'message') return null;

  const text = typeof activity.text === 'string' ? activity.text.trim() : '';
  // imBack sends the value as text; messageBack/postBack may carry it in `value` instead.
  const tapped = pickOffered(text, offered) ?? pickOffered(tapValue(activity.value), offered);
  if (tapped) return { kind: 'choice', value: tapped.value, label: tapped.label };
  if (text !== '') return { kind: 'text', text };

  const attachments = (activity.attachments ?? []).filter(isRecord) as Attachment[];
  const first = attachments[0];
  if (first) return { kind: 'media', media: mediaKindOf(first) };
  return null;
}

function tapValue(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (isRecord(value) && typeof value.value === 'string') return value.value.trim();
  return '';
}

/** The offered quick reply a tap (or the same words typed) stands for. */
function pickOffered(answer: string, offered: readonly QuickReply[] | null): QuickReply | null {
  if (answer === '' || !offered) return null;
  return (
    offered.find((reply) => reply.value === answer) ??
    offered.find((reply) => reply.label.trim() === answer) ??
    null
  );
}

export function mediaKindOf(attachment: Attachment): MediaKind {
  const type = (attachment.contentType ?? '').toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'voice';
  if (type.startsWith('video/')) return 'video';
  if (type === 'application/vnd.microsoft.teams.file.download.info') return 'file';
  if (type.startsWith('application/vnd.microsoft.card.')) return 'other';
  if (type.startsWith('application/') || type.startsWith('text/')) return 'file';
  return attachment.contentUrl ? 'file' : 'other';
}

/** One outbound message as the partial activity botbuilder sends. */
export function toActivity(message: OutboundMessage): Partial<Activity> {
  if (message.type === 'choices' && message.quickReplies.length > 0) {
    const actions: CardAction[] = message.quickReplies.map((reply) => ({
      type: 'imBack',
      title: reply.label,
      value: reply.value,
    }));
    return { type: 'message', text: message.text, suggestedActions: { actions, to: [] } };
  }
  return { type: 'message', text: message.text };
}

/** Outbound messages as activities, skipping empty texts a channel would show as blank bubbles. */
export function toActivities(messages: readonly OutboundMessage[]): Partial<Activity>[] {
  return messages
    .filter((message) => message.text.trim() !== '' || message.type === 'choices')
    .map(toActivity);
}

/** A conversation reference as plain JSON (no undefined fields), for the conversation store. */
export function referenceToJson(reference: Partial<ConversationReference>): Json {
  return JSON.parse(JSON.stringify(reference)) as Json;
}

/** A stored reference, checked: deliver() must not post to a half-written address. */
export function referenceFromJson(value: Json): Partial<ConversationReference> {
  if (
    !isRecord(value) ||
    !nonEmptyString(value.serviceUrl) ||
    !nonEmptyString(value.channelId) ||
    !isRecord(value.conversation) ||
    !nonEmptyString(value.conversation.id)
  ) {
    throw new RangeError(
      'botframework: channelRef is not a conversation reference (serviceUrl, channelId, conversation.id)',
    );
  }
  return value as unknown as Partial<ConversationReference>;
}
