// The web channel's wire form of a conversation line, shared by GET history, socket frames and
// the widget: one shape whether the line came live from a turn or later from the transcript.
import type { InboundContent, OutboundMessage, QuickReply } from '../../core/message.ts';
import type { Direction, TranscriptEntry } from '../../store/types.ts';

export interface WebMessageView {
  direction: Direction;
  type: 'text' | 'choices' | 'event';
  text: string;
  quickReplies?: QuickReply[];
  event?: string;
  /** Agent display name for agent lines. */
  agent?: string;
  /** Transcript position; absent on live frames that were not read back from the transcript. */
  seq?: number;
  at: string;
}

/**
 * Lines the customer may see. Notes are internal records (handoff notes, agent remarks); survey
 * records duplicate the customer's own answer line.
 */
export function isCustomerVisible(entry: TranscriptEntry): boolean {
  return entry.kind === 'message';
}

export function viewOfEntry(entry: TranscriptEntry): WebMessageView {
  const event = entry.data?.event;
  const view: WebMessageView = {
    direction: entry.direction,
    type:
      entry.quickReplies && entry.quickReplies.length > 0
        ? 'choices'
        : entry.direction === 'system' && typeof event === 'string'
          ? 'event'
          : 'text',
    text: entry.text,
    seq: entry.seq,
    at: entry.at,
  };
  if (view.type === 'choices') view.quickReplies = entry.quickReplies;
  if (view.type === 'event' && typeof event === 'string') view.event = event;
  if (entry.agent !== undefined && entry.direction === 'agent') view.agent = entry.agent;
  return view;
}

export function viewOfOutbound(message: OutboundMessage, at: string): WebMessageView {
  const view: WebMessageView = {
    direction: message.from ?? 'bot',
    type: message.type,
    text: message.text,
    at,
  };
  if (message.type === 'choices') view.quickReplies = message.quickReplies;
  if (message.type === 'event') view.event = message.event;
  return view;
}

/** The customer's own line, echoed to the conversation's other open tabs. */
export function viewOfInbound(content: InboundContent, at: string): WebMessageView | null {
  if (content.kind === 'text')
    return { direction: 'customer', type: 'text', text: content.text, at };
  if (content.kind === 'choice') {
    return { direction: 'customer', type: 'text', text: content.label, at };
  }
  return null;
}
