// Thin wrappers that report to the statistics what happens in the agent queue and to tickets,
// so the handoff service and the ticket service stay unaware of the console.
import type { HandoffQueue } from '../../handoff/queue.ts';
import type { ComplaintTicket, TicketStore } from '../../store/types.ts';
import type { StatisticsPort } from './recorder.ts';

/**
 * A claim is the one place a wait is recorded (right after the claimer took the customer out of
 * the queue); every other exit from the queue is a handoff that ended without an agent.
 */
export function observedHandoffQueue(
  queue: HandoffQueue,
  port: StatisticsPort,
  clock: () => Date,
): HandoffQueue {
  return {
    enqueue: (conversationId, enqueuedAt) => queue.enqueue(conversationId, enqueuedAt),
    async remove(conversationId) {
      const removed = await queue.remove(conversationId);
      if (removed) port.queueLeft(clock());
      return removed;
    },
    position: (conversationId) => queue.position(conversationId),
    waiting: () => queue.waiting(),
    async recordWait(waitMs) {
      await queue.recordWait(waitMs);
      port.handoffTaken(waitMs, clock());
    },
    recentWaits: () => queue.recentWaits(),
    bindThread: (conversationId, threadKey) => queue.bindThread(conversationId, threadKey),
    conversationForThread: (threadKey) => queue.conversationForThread(threadKey),
    threadForConversation: (conversationId) => queue.threadForConversation(conversationId),
  };
}

/** Every ticket a change returns goes to the statistics (its counters follow the ticket). */
export function observedTicketStore(store: TicketStore, port: StatisticsPort): TicketStore {
  const seen = async (pending: Promise<ComplaintTicket>): Promise<ComplaintTicket> => {
    const ticket = await pending;
    port.ticket(ticket);
    return ticket;
  };
  return {
    create: (ticket, by) => seen(store.create(ticket, by)),
    get: (id) => store.get(id),
    list: (filter) => store.list(filter),
    setStatus: (id, change) => seen(store.setStatus(id, change)),
    addHandling: (id, entry) => seen(store.addHandling(id, entry)),
    setFeedback: (id, feedback) => seen(store.setFeedback(id, feedback)),
    change: (id, change) => seen(store.change(id, change)),
  };
}
