// Several instances serve one content version: each publishes the version it reloaded to, and the
// others reload when they hear of one they do not serve (an instance whose files differ says so in
// /healthz). Redis carries it between instances: the last version in a key, news on a channel.
import type { Redis } from '../store/redis-connection.ts';

export interface ContentVersionSync {
  /** Tells every instance that this one now serves `version`. */
  publish(version: string): Promise<void>;
  /** Calls back with each version another instance (or this one) publishes. */
  follow(listener: (version: string, instance: string) => void): Promise<void>;
  /** The last version published, or null when none was. */
  published(): Promise<string | null>;
  close(): Promise<void>;
}

interface VersionNews {
  version: string;
  instance: string;
}

function parseNews(message: string): VersionNews | null {
  try {
    const value = JSON.parse(message) as Partial<VersionNews>;
    return typeof value.version === 'string' && typeof value.instance === 'string'
      ? { version: value.version, instance: value.instance }
      : null;
  } catch {
    return null;
  }
}

export class RedisContentVersionSync implements ContentVersionSync {
  private readonly key: string;
  private subscriber: Redis | null = null;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly instance: string,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.key = `${prefix}content:version`;
  }

  async publish(version: string): Promise<void> {
    await this.redis.set(this.key, version);
    await this.redis.publish(this.key, JSON.stringify({ version, instance: this.instance }));
  }

  async follow(listener: (version: string, instance: string) => void): Promise<void> {
    // A subscribed connection can do nothing else: it gets one of its own.
    const subscriber: Redis = this.redis.duplicate();
    subscriber.on('error', (error: Error) =>
      this.warn(`content version channel: ${error.message}`),
    );
    await subscriber.connect();
    await subscriber.subscribe(this.key, (message: string) => {
      const news = parseNews(message);
      if (news) listener(news.version, news.instance);
      else this.warn('content version channel: unreadable message ignored');
    });
    this.subscriber = subscriber;
  }

  async published(): Promise<string | null> {
    return this.redis.get(this.key);
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber) await subscriber.quit().catch(() => subscriber.destroy());
  }
}
