// Fastify's own log lines about requests, with the path only: query strings carry bearer values
// (signed WeChat URLs that could be replayed, web conversation ids) and never reach the log.
import {
  LogController,
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';

/** The URL without its query string. */
export function pathOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : url.slice(0, at);
}

function requestSummary(request: { method?: string; url?: string }) {
  return { method: request.method, path: pathOf(request.url ?? '') };
}

/** One line per request (method, path, status, time) and errors, never with a query string. */
export class PathOnlyLogController extends LogController {
  override incomingRequest(): void {
    // The completion line says everything an operator needs; one line per request is enough.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const fields = {
      ...requestSummary(request),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request');
  }

  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { ...requestSummary(request), status: reply.statusCode, err: error };
    if (reply.statusCode >= 500) reply.log.error(fields, error?.message);
    else reply.log.info(fields, error?.message);
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.info(requestSummary(request), 'route not found');
  }

  override writeHeadError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn({ ...requestSummary(request), err: error }, error?.message);
  }
}

/**
 * Logger options with a request serializer that drops query strings, for anything else that
 * logs a request object. A ready-made logger instance is passed through unchanged.
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
