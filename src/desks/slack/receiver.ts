// A bolt Receiver that lives on the app's fastify server: verifies the signature on the raw body,
// answers url_verification, drops Slack's retries of events already seen, and acknowledges
// before the listeners' work is done (Slack wants an answer within 3 seconds).
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifySlackRequest } from './verify.ts';

export interface FastifySlackReceiverOptions {
  signingSecret: string;
  path?: string;
  clock?: () => Date;
  /** Longest we wait for a listener's ack() before answering anyway. */
  ackTimeoutMs?: number;
  log?: (message: string) => void;
}

const SEEN_EVENTS = 2000;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class FastifySlackReceiver implements Receiver {
  private app: App | null = null;
  private readonly seen = new Set<string>();
  private readonly clock: () => Date;
  private readonly log: (message: string) => void;

  constructor(private readonly options: FastifySlackReceiverOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? ((m) => console.error(m));
  }

  init(app: App): void {
    this.app = app;
  }

  // The fastify server's lifecycle belongs to the app; nothing to open or close here.
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** Mounts POST /slack/events with its own raw-body parsers (scoped to this route's plugin). */
  register(server: FastifyInstance): void {
    const path = this.options.path ?? '/slack/events';
    void server.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) =>
        done(null, body),
      );
      scope.post(path, (request, reply) => this.handle(request, reply));
    });
  }

  private remember(eventId: string): boolean {
    if (this.seen.has(eventId)) return false;
    this.seen.add(eventId);
    if (this.seen.size > SEEN_EVENTS) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const rawBody = typeof request.body === 'string' ? request.body : '';
    const verdict = verifySlackRequest({
      signingSecret: this.options.signingSecret,
      rawBody,
      timestamp: header(request, 'x-slack-request-timestamp'),
      signature: header(request, 'x-slack-signature'),
      nowMs: this.clock().getTime(),
    });
    if (!verdict.ok) {
      this.log(`slack: rejected request (${verdict.reason})`);
      return reply.code(401).send({ ok: false, error: verdict.reason });
    }

    let body: Record<string, unknown>;
    try {
      const contentType = header(request, 'content-type') ?? '';
      if (contentType.includes('application/x-www-form-urlencoded')) {
        const form = new URLSearchParams(rawBody);
        const payload = form.get('payload');
        body = payload
          ? (JSON.parse(payload) as Record<string, unknown>)
          : Object.fromEntries(form);
      } else {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      }
    } catch {
      return reply.code(400).send({ ok: false, error: 'invalid_body' });
    }
    if (typeof body !== 'object' || body === null)
      return reply.code(400).send({ ok: false, error: 'invalid_body' });

    if (body.type === 'url_verification') return reply.send({ challenge: body.challenge });
    if (body.ssl_check) return reply.send('');

    const retryNum = Number(header(request, 'x-slack-retry-num') ?? '0') || undefined;
    const retryReason = header(request, 'x-slack-retry-reason');
    if (typeof body.event_id === 'string' && !this.remember(body.event_id)) {
      // A retry of an event this instance already took: answer so Slack stops retrying.
      return reply.code(200).send('');
    }
    if (!this.app) return reply.code(503).send({ ok: false, error: 'not_ready' });

    const isEvent = body.type === 'event_callback';
    let acked: (value: unknown) => void = () => {};
    const ackPromise = new Promise<unknown>((resolve) => {
      acked = resolve;
    });
    const event: ReceiverEvent = {
      body,
      ...(retryNum !== undefined ? { retryNum } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
      // Events need no answer: acknowledged now, before authorization or listeners run.
      ack: async (response?: unknown) => acked(isEvent ? undefined : response),
    };
    if (isEvent) acked(undefined);
    void this.app
      .processEvent(event)
      .catch((error: unknown) => this.log(`slack: processing failed: ${String(error)}`));
    const timeout = new Promise<unknown>((resolve) => {
      const t = setTimeout(() => resolve(undefined), this.options.ackTimeoutMs ?? 2500);
      t.unref();
    });
    const response = await Promise.race([ackPromise, timeout]);
    if (response === undefined || response === null || response === '')
      return reply.code(200).send('');
    return typeof response === 'string'
      ? reply.code(200).send(response)
      : reply.code(200).send(response);
  }
}
