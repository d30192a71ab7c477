// Per-conversation serial queues: one conversation's tasks run one at a time in order, others do
// not wait, a failure does not block the next task, and a key is forgotten once its work is done
// (a long-running bot must not keep a queue per conversation it ever saw).
import { describe, expect, it } from 'vitest';
import { KeyedSerialQueues } from '../../src/store/keyed-queues.ts';

/** A promise with its resolve function, to finish a task when the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('KeyedSerialQueues', () => {
  it('runs one key’s tasks one after another, in the order they came', async () => {
    const queues = new KeyedSerialQueues();
    const order: string[] = [];
    const first = gate();
    const a = queues.run('web:a', async () => {
      order.push('a1 start');
      await first.promise;
      order.push('a1 end');
      return 1;
    });
    const b = queues.run('web:a', async () => {
      order.push('a2');
      return 2;
    });
    await Promise.resolve();
    expect(order).toEqual(['a1 start']);
    first.open();
    expect(await Promise.all([a, b])).toEqual([1, 2]);
    expect(order).toEqual(['a1 start', 'a1 end', 'a2']);
  });

  it('lets another key run while one waits', async () => {
    const queues = new KeyedSerialQueues();
    const blocked = gate();
    const slow = queues.run('web:a', () => blocked.promise);
    expect(await queues.run('web:b', async () => 'b done')).toBe('b done');
    expect(queues.size).toBe(1);
    blocked.open();
    await slow;
  });

  it('runs the next task after one that failed, and passes the failure to its caller', async () => {
    const queues = new KeyedSerialQueues();
    const failed = queues.run('web:a', async () => {
      throw new Error('disk full');
    });
    const next = queues.run('web:a', async () => 'next');
    await expect(failed).rejects.toThrow('disk full');
    expect(await next).toBe('next');
    expect(queues.size).toBe(0);
  });

  it('counts only keys with work in flight, and forgets each once its last task settled', async () => {
    const queues = new KeyedSerialQueues();
    const gates = [gate(), gate(), gate()];
    const runs = [
      queues.run('web:a', () => gates[0]!.promise),
      queues.run('web:a', () => gates[1]!.promise),
      queues.run('web:b', () => gates[2]!.promise),
    ];
    expect(queues.size).toBe(2);
    gates[0]!.open();
    await runs[0];
    // web:a still has its second task.
    expect(queues.size).toBe(2);
    gates[1]!.open();
    await runs[1];
    expect(queues.size).toBe(1);
    gates[2]!.open();
    await runs[2];
    expect(queues.size).toBe(0);
    await queues.run('web:a', async () => undefined);
    expect(queues.size).toBe(0);
  });

  it('waits in idle() until every queued task has settled, failed ones included', async () => {
    const queues = new KeyedSerialQueues();
    const blocked = gate();
    let finished = false;
    void queues.run('web:a', async () => {
      await blocked.promise;
      finished = true;
    });
    void queues
      .run('web:b', async () => {
        await blocked.promise;
        throw new Error('x');
      })
      .catch(() => undefined);
    let settled = false;
    const idle = queues.idle().then(() => {
      settled = true;
      return finished;
    });
    // The gate is shut, so nothing can settle however long we wait; one turn of the loop shows it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    blocked.open();
    expect(await idle).toBe(true);
    await expect(new KeyedSerialQueues().idle()).resolves.toBeUndefined();
  });
});
