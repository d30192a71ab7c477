// The model-written handoff summary: once a desk thread is open, a few lines (what the customer
// wants, what was tried, mood) written from the masked transcript go into the thread, so the agent
// reads them before the transcript. It runs beside the customer's turn, never in front of it, and
// a summary that fails or comes too late is simply not posted.
import type { HandoffSummarizer, HandoffSummaryInput } from '../core/llm-ports.ts';
import type { AgentDesk } from './desk.ts';
import type { Masking } from './render.ts';

/** Tells agents the lines are machine-written and the transcript is the record. */
export const SUMMARY_TITLE = '*AI摘要*（由AI根据聊天记录生成，仅供参考，以聊天记录为准）';

export interface HandoffSummaries {
  /** Starts writing the summary of a thread just opened; returns at once. */
  afterThreadOpened(threadKey: string, input: HandoffSummaryInput): void;
  /** Resolves when every summary started so far is posted or given up (for shutdown and tests). */
  settled(): Promise<void>;
}

export function createHandoffSummaries(deps: {
  desk: AgentDesk;
  summarizer: HandoffSummarizer;
  masking: Masking;
  log: (message: string) => void;
}): HandoffSummaries {
  const pending = new Set<Promise<void>>();
  async function post(threadKey: string, input: HandoffSummaryInput): Promise<void> {
    const summary = (await deps.summarizer.summarize(input))?.trim();
    if (!summary) return;
    // The model only saw masked text, but what it writes goes through the same masking again.
    await deps.desk.postToThread(
      threadKey,
      `${SUMMARY_TITLE}\n${deps.masking.maskPersonalData(summary)}`,
    );
  }
  return {
    afterThreadOpened(threadKey, input) {
      const job: Promise<void> = post(threadKey, input)
        .catch((error: unknown) =>
          deps.log(`handoff: posting the AI summary failed: ${String(error)}`),
        )
        .finally(() => pending.delete(job));
      pending.add(job);
    },
    async settled() {
      await Promise.allSettled([...pending]);
    },
  };
}
