// The model-written summary in the desk thread: written from the masked transcript, posted after
// the thread opens without holding up the customer, and simply absent when the model fails.
import { describe, expect, it } from 'vitest';
import type { HandoffSummarizer, HandoffSummaryInput } from '../../src/core/llm-ports.ts';
import { MemoryHandoffBus } from '../../src/handoff/bus.ts';
import { createHandoffService } from '../../src/handoff/handoff-service.ts';
import { SUMMARY_TITLE } from '../../src/handoff/handoff-summary.ts';
import { MemoryHandoffQueue } from '../../src/handoff/queue.ts';
import { parseServiceHours } from '../../src/handoff/service-hours.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import { CUSTOMER_LINES, FakeDesk, fakeControl, seedConversation, settings } from './harness.ts';

/** A summarizer that answers when told to, recording what it was given. */
function controlledSummarizer(): HandoffSummarizer & {
  inputs: HandoffSummaryInput[];
  finish(text: string | null): void;
  fail(error: Error): void;
} {
  const inputs: HandoffSummaryInput[] = [];
  let settle: { resolve: (t: string | null) => void; reject: (e: Error) => void } | null = null;
  return {
    inputs,
    summarize(input) {
      inputs.push(input);
      return new Promise((resolve, reject) => {
        settle = { resolve, reject };
      });
    },
    finish: (text) => settle?.resolve(text),
    fail: (error) => settle?.reject(error),
  };
}

function build(summarizer: HandoffSummarizer, open = true) {
  const stores = createMemoryStores();
  const desk = new FakeDesk();
  const logs: string[] = [];
  const service = createHandoffService({
    desk,
    queue: new MemoryHandoffQueue(),
    bus: new MemoryHandoffBus(() => {}),
    states: stores.states,
    transcripts: stores.transcripts,
    tickets: stores.tickets,
    outlets: () => undefined,
    settings: settings(open ? {} : { serviceHours: parseServiceHours('Mon-Fri 09:00-09:01 UTC') }),
    clock: () => new Date('2026-11-23T03:00:00.000Z'),
    log: (m) => logs.push(m),
    summarizer,
  });
  service.bindControl(fakeControl(stores.states));
  return { stores, desk, service, logs };
}

describe('the AI summary of a handoff', () => {
  it('is posted into the new thread after the customer has been answered', async () => {
    const summarizer = controlledSummarizer();
    const { stores, desk, service } = build(summarizer);
    const request = await seedConversation(
      stores.states,
      stores.transcripts,
      'c-1',
      'web',
      CUSTOMER_LINES,
    );
    const started = await service.start(request);
    // The customer hears about the queue while the model is still writing.
    expect(started.messages[0]!.text).toContain('转接人工客服');
    expect(desk.threads[0]!.posts).toEqual([]);
    expect(summarizer.inputs).toHaveLength(1);
    expect(summarizer.inputs[0]!.reasonText).toBe('客户要求转人工');
    // Written from the transcript the desk gets: masked.
    expect(summarizer.inputs[0]!.transcriptText).toBe(desk.threads[0]!.opening.transcriptText);
    expect(summarizer.inputs[0]!.transcriptText).toContain('138****5678');
    expect(summarizer.inputs[0]!.transcriptText).not.toContain('13812345678');

    summarizer.finish('诉求：开户审核不通过，联系电话13812345678\n情绪：着急');
    await service.stopWorkers();
    expect(desk.threads[0]!.posts).toEqual([
      `${SUMMARY_TITLE}\n诉求：开户审核不通过，联系电话138****5678\n情绪：着急`,
    ]);
  });

  it('is also written for an after-hours thread', async () => {
    const summarizer = controlledSummarizer();
    const { stores, desk, service } = build(summarizer, false);
    const request = await seedConversation(
      stores.states,
      stores.transcripts,
      'c-2',
      'web',
      CUSTOMER_LINES,
    );
    await service.start(request);
    summarizer.finish('诉求：开户审核');
    await service.stopWorkers();
    expect(desk.threads[0]!.posts).toEqual([`${SUMMARY_TITLE}\n诉求：开户审核`]);
  });

  it('is left out when the model has nothing or fails; the thread is unaffected', async () => {
    const empty = controlledSummarizer();
    const a = build(empty);
    await a.service.start(
      await seedConversation(a.stores.states, a.stores.transcripts, 'c-3', 'web', CUSTOMER_LINES),
    );
    empty.finish(null);
    await a.service.stopWorkers();
    expect(a.desk.threads[0]!.posts).toEqual([]);

    const broken = controlledSummarizer();
    const b = build(broken);
    await b.service.start(
      await seedConversation(b.stores.states, b.stores.transcripts, 'c-4', 'web', CUSTOMER_LINES),
    );
    broken.fail(new Error('model exploded'));
    await b.service.stopWorkers();
    expect(b.desk.threads[0]!.posts).toEqual([]);
    expect(b.logs.join('\n')).toContain('posting the AI summary failed');
  });
});
