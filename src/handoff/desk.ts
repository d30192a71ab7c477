// The agent desk seam: where handoff threads are opened and agents act. Slack is one desk; tests
// use a recording fake. Everything handed to a desk is already masked by the handoff service.
import type { ChannelId } from '../core/message.ts';
import type { HandoffReason } from './types.ts';

/** An agent as the desk knows them: a stable id and the name agents see each other by. */
export interface AgentRef {
  id: string;
  name: string;
}

/** The masked, structured header of a handoff thread; the desk decides how to lay it out. */
export interface ThreadHeader {
  /** For the desk's own routing (button values); not for display. */
  conversationId: string;
  /** What agents see and quote: a short hash of the conversation id. */
  conversationRef: string;
  channel: ChannelId;
  reason: HandoffReason;
  /** Readable reason, e.g. "客户要求转人工". */
  reasonText: string;
  intentsSeen: string[];
  /** Complaint ticket fields, masked, as label/value pairs in display order. */
  ticketFields: { label: string; value: string }[];
  /** A few of the customer's own lines, masked. */
  summary: string;
  /** Customer-facing queue status at open time, e.g. "排队第2位，预计约4分钟" or "非工作时间". */
  status: string;
}

export interface ThreadOpening {
  header: ThreadHeader;
  /** The whole transcript as plain text, masked; attached as a file. */
  transcriptText: string;
  transcriptFileName: string;
}

/** What a desk can do; each call is about one thread identified by the key openThread returned. */
export interface AgentDesk {
  openThread(opening: ThreadOpening): Promise<string>;
  postToThread(threadKey: string, text: string): Promise<void>;
  /** The header now shows who took the conversation; claim button gone, close button kept. */
  markClaimed(threadKey: string, agent: AgentRef): Promise<void>;
  /** The handoff ended (closed by an agent, withdrawn by the customer, or left as a message). */
  markEnded(threadKey: string, note: string): Promise<void>;
}

/** Called by a desk when agents act; conversation ids come from the desk's thread index. */
export interface AgentActions {
  claimed(conversationId: string, agent: AgentRef, eventId?: string): Promise<void>;
  agentReply(
    conversationId: string,
    agent: AgentRef,
    text: string,
    eventId?: string,
  ): Promise<void>;
  closed(conversationId: string, agent: AgentRef, eventId?: string): Promise<void>;
  /** Which conversation a desk thread belongs to (any instance can answer). */
  conversationForThread(threadKey: string): Promise<string | null>;
}
