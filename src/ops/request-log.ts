// One log line per request with the path only: query strings carry bearer values (signed WeChat
// URLs that could be replayed, web conversation ids, polling secrets) and never reach the log.
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';

/** The URL without its query string. */
export function pathOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : url.slice(0, at);
}

function requestSummary(request: FastifyRequest | { method?: string; url?: string }) {
  return { method: request.method, path: pathOf(request.url ?? '') };
}

/**
 * Logger options with serializers that drop query strings from anything fastify logs about a
 * request (its own error lines too). A ready-made logger instance is passed through unchanged.
 */
export function safeLoggerOptions(
  logger: FastifyBaseLogger | boolean | object | undefined,
): FastifyBaseLogger | boolean {
  if (logger === undefined || logger === false) return false;
  if (logger === true) return { serializers: { req: requestSummary } } as never;
  if (typeof (logger as { info?: unknown }).info === 'function') return logger as FastifyBaseLogger;
  const options = logger as { serializers?: Record<string, unknown> };
  return { ...options, serializers: { ...options.serializers, req: requestSummary } } as never;
}

export function registerRequestLog(server: FastifyInstance): void {
  server.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { ...requestSummary(request), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
}
