// Shared pieces for handoff tests: a recording desk, recording channel outlets, a stand-in for
// the pipeline's ConversationControl, and a conversation seeded the way the pipeline saves it.
import type { ChannelOutlet, ConversationControl, DeliveryTarget } from '../../src/core/gateway.ts';
import type { ChannelId, OutboundMessage } from '../../src/core/message.ts';
import type { AgentDesk, AgentRef, ThreadOpening } from '../../src/handoff/desk.ts';
import { parseServiceHours } from '../../src/handoff/service-hours.ts';
import type { HandoffSettings } from '../../src/handoff/handoff-service.ts';
import type { HandoffRequest } from '../../src/handoff/types.ts';
import type {
  Json,
  ConversationState,
  ConversationStateStore,
  TranscriptEntry,
  TranscriptStore,
} from '../../src/store/types.ts';

export class FakeDesk implements AgentDesk {
  readonly threads: {
    key: string;
    opening: ThreadOpening;
    posts: string[];
    claimedBy: AgentRef | null;
    ended: string | null;
  }[] = [];
  failOpen = false;

  async openThread(opening: ThreadOpening): Promise<string> {
    if (this.failOpen) throw new Error('desk down');
    const key = `T:${this.threads.length + 1}`;
    this.threads.push({ key, opening, posts: [], claimedBy: null, ended: null });
    return key;
  }

  thread(key: string) {
    const t = this.threads.find((x) => x.key === key);
    if (!t) throw new Error(`no thread ${key}`);
    return t;
  }

  async postToThread(threadKey: string, text: string): Promise<void> {
    this.thread(threadKey).posts.push(text);
  }

  async markClaimed(threadKey: string, agent: AgentRef): Promise<void> {
    this.thread(threadKey).claimedBy = agent;
  }

  async markEnded(threadKey: string, note: string): Promise<void> {
    this.thread(threadKey).ended = note;
  }
}

/** An outlet that reaches only the customers "connected" to this instance, like a web socket. */
export class RecordingOutlet implements ChannelOutlet {
  readonly delivered: { target: DeliveryTarget; messages: OutboundMessage[] }[] = [];
  readonly connected = new Set<string>();

  constructor(
    readonly channel: ChannelId,
    private readonly localOnly = false,
  ) {}

  async deliver(target: DeliveryTarget, messages: OutboundMessage[]): Promise<void> {
    if (this.localOnly && !this.connected.has(target.conversationId)) return;
    this.delivered.push({ target, messages });
  }

  texts(conversationId: string): string[] {
    return this.delivered
      .filter((d) => d.target.conversationId === conversationId)
      .flatMap((d) => d.messages.map((m) => m.text));
  }
}

export const SURVEY_PROMPT = '请您为本次服务打分（1-5分），谢谢！';

/** What the pipeline does on resumeAfterHandoff: clear state.handoff, offer the survey. */
export function fakeControl(
  states: ConversationStateStore,
): ConversationControl & { resumed: string[] } {
  const resumed: string[] = [];
  return {
    resumed,
    async resumeAfterHandoff(conversationId) {
      resumed.push(conversationId);
      const release = await states.lock(conversationId, 5000);
      try {
        const loaded = await states.load(conversationId);
        if (loaded) {
          const saved = await states.save({ ...loaded.state, handoff: null }, loaded.version);
          if (!saved.ok) throw new Error('conflict');
        }
      } finally {
        await release();
      }
      return [
        {
          type: 'choices',
          text: SURVEY_PROMPT,
          quickReplies: [1, 2, 3, 4, 5].map((n) => ({ label: `${n}分`, value: `survey:${n}` })),
        },
      ];
    },
  };
}

export async function seedConversation(
  states: ConversationStateStore,
  transcripts: TranscriptStore,
  conversationId: string,
  channel: ChannelId,
  lines: { direction: TranscriptEntry['direction']; text: string }[],
): Promise<HandoffRequest> {
  const now = new Date('2026-11-23T03:00:00.000Z').toISOString();
  const state: ConversationState = {
    conversationId,
    channel,
    userId: `user-${conversationId}`,
    channelRef: { socket: conversationId },
    dialog: null,
    handoff: null,
    memory: {},
    createdAt: now,
    updatedAt: now,
  };
  const saved = await states.save(state, null);
  if (!saved.ok) throw new Error('seed conflict');
  const transcript: TranscriptEntry[] = [];
  for (const line of lines) {
    transcript.push(
      await transcripts.append({
        conversationId,
        at: now,
        channel,
        direction: line.direction,
        kind: 'message',
        text: line.text,
      }),
    );
  }
  return {
    conversationId,
    channel,
    userId: state.userId,
    channelRef: state.channelRef,
    reason: 'customer_request',
    intentsSeen: ['account_open', 'human_agent'],
    transcript,
  };
}

/** Saves what the pipeline would save after start()/relay: the returned handoff record. */
export async function saveHandoff(
  states: ConversationStateStore,
  conversationId: string,
  handoff: Json,
): Promise<void> {
  const loaded = await states.load(conversationId);
  if (!loaded) throw new Error('no state');
  const saved = await states.save({ ...loaded.state, handoff }, loaded.version);
  if (!saved.ok) throw new Error('conflict');
}

export function settings(overrides: Partial<HandoffSettings> = {}): HandoffSettings {
  return {
    serviceHours: parseServiceHours('always'),
    claimTimeoutMs: 5 * 60_000,
    reinformEveryMs: 2 * 60_000,
    showAgentNames: true,
    broadcastChannels: ['web'],
    firm: { hotline: '95000', agentServiceHours: '交易日 9:00-17:00' },
    ...overrides,
  };
}

export const CUSTOMER_LINES: { direction: TranscriptEntry['direction']; text: string }[] = [
  { direction: 'customer', text: '你好，我想问一下开户的问题' },
  { direction: 'bot', text: '您好，请问有什么可以帮您？' },
  {
    direction: 'customer',
    text: '我的手机号13812345678，身份证110101199003071234，开户一直审核不通过',
  },
  { direction: 'customer', text: '转人工' },
];
