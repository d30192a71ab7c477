// A Map with a size cap (least recently used goes first) and an idle lifetime, for every in-process
// map that would otherwise grow with each conversation or agent action a long-running bot sees.

export interface BoundedMapOptions<V> {
  /** Most entries kept; the least recently used is dropped beyond it. */
  maxEntries: number;
  /** An entry not touched (set, or get with touch) for this long is gone. Infinity: never. */
  idleMs: number;
  /** Epoch ms; injectable so tests and stores with a clock decide expiry the same way. */
  now?: () => number;
  /** Told about every entry dropped for size or age (not about delete()). */
  onEvict?: (key: string, value: V) => void;
  /**
   * Also sweep on a timer, so memory goes back down when traffic stops altogether (otherwise
   * expired entries go only when the map is next used). The timer never keeps the process alive
   * and stops once the map itself is garbage.
   */
  sweepEveryMs?: number;
}

interface Slot<V> {
  value: V;
  touchedAt: number;
}

export class BoundedMap<V> {
  // A Map iterates in insertion order; re-inserting on touch keeps the oldest first.
  private readonly slots = new Map<string, Slot<V>>();
  private readonly now: () => number;

  constructor(private readonly options: BoundedMapOptions<V>) {
    if (!(options.maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
    if (!(options.idleMs > 0)) throw new RangeError('idleMs must be positive');
    this.now = options.now ?? Date.now;
    if (options.sweepEveryMs && Number.isFinite(options.idleMs)) {
      const self = new WeakRef(this);
      const timer: NodeJS.Timeout = setInterval(() => {
        const map = self.deref();
        if (map) map.sweep();
        else clearInterval(timer);
      }, options.sweepEveryMs);
      timer.unref();
    }
  }

  get size(): number {
    return this.slots.size;
  }

  /** The value, and by default counts as use (moves it to the back, restarts its idle time). */
  get(key: string, touch = true): V | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    const now = this.now();
    if (now - slot.touchedAt >= this.options.idleMs) {
      this.slots.delete(key);
      this.options.onEvict?.(key, slot.value);
      return undefined;
    }
    if (touch) {
      this.slots.delete(key);
      slot.touchedAt = now;
      this.slots.set(key, slot);
    }
    return slot.value;
  }

  has(key: string): boolean {
    return this.get(key, false) !== undefined;
  }

  set(key: string, value: V): void {
    this.slots.delete(key);
    this.slots.set(key, { value, touchedAt: this.now() });
    this.sweep();
  }

  delete(key: string): boolean {
    return this.slots.delete(key);
  }

  clear(): void {
    this.slots.clear();
  }

  /** Live entries, oldest first (expired ones are dropped on the way). */
  *entries(): IterableIterator<[string, V]> {
    this.sweep();
    for (const [key, slot] of [...this.slots]) yield [key, slot.value];
  }

  /** Drops expired entries and those over the cap; cheap when nothing is due (oldest first). */
  sweep(): void {
    const now = this.now();
    for (const [key, slot] of this.slots) {
      const expired = now - slot.touchedAt >= this.options.idleMs;
      if (!expired && this.slots.size <= this.options.maxEntries) break;
      this.slots.delete(key);
      this.options.onEvict?.(key, slot.value);
    }
  }
}
