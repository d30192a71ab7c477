// One serial queue per key (a conversation), forgotten once its last task settles: the file stores
// and the outage spool run a conversation's reads and writes one at a time without keeping an
// entry for every conversation a long-running bot ever saw.
import { SerialQueue } from './memory.ts';

export class KeyedSerialQueues {
  private readonly slots = new Map<string, { queue: SerialQueue; pending: number }>();

  /** Runs `task` after every task queued before it for `key`; other keys do not wait. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { queue: new SerialQueue(), pending: 0 };
      this.slots.set(key, slot);
    }
    slot.pending += 1;
    try {
      return await slot.queue.run(task);
    } finally {
      slot.pending -= 1;
      if (slot.pending === 0) this.slots.delete(key);
    }
  }

  /** Resolves once every task queued so far has settled. */
  async idle(): Promise<void> {
    await Promise.all([...this.slots.values()].map((slot) => slot.queue.idle()));
  }

  /** How many keys have tasks queued or running. */
  get size(): number {
    return this.slots.size;
  }
}
