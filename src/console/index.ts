// The service console at /console: sign-in, the single page (static HTML, CSS and JS, no build step
// at run time), Apache ECharts from node_modules, and the JSON API plugins behind the session guard.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import {
  DISABLED_MESSAGE,
  disabled,
  registerConsoleAuth,
  type ConsoleAuth,
  type ConsoleAuthDeps,
  type ConsoleAuthorize,
} from './auth.ts';

export type { ConsoleAuthorize } from './auth.ts';

const PUBLIC_DIR = new URL('./public/', import.meta.url);

/** An API plugin of the console, built with the session guard it puts before every route. */
export type ConsoleApiMount = (authorize: ConsoleAuthorize) => FastifyPluginAsync;

export interface ConsoleDeps extends ConsoleAuthDeps {
  apis: readonly ConsoleApiMount[];
}

interface StaticFile {
  type: string;
  body: Buffer;
}

/** The page is code and markup only (no data), so it is served without a session. */
function staticFiles(): Map<string, StaticFile> {
  const read = (name: string) => readFileSync(new URL(name, PUBLIC_DIR));
  // echarts exports no dist/ path; its main entry is dist/echarts.js beside the minified build.
  const echartsMain = createRequire(import.meta.url).resolve('echarts');
  const echarts = readFileSync(echartsMain.replace(/echarts\.js$/, 'echarts.min.js'));
  return new Map<string, StaticFile>([
    ['console.js', { type: 'text/javascript; charset=utf-8', body: read('console.js') }],
    ['console.css', { type: 'text/css; charset=utf-8', body: read('console.css') }],
    ['echarts.min.js', { type: 'text/javascript; charset=utf-8', body: echarts }],
  ]);
}

/**
 * Everything on the page comes from this origin; nothing may frame it. ECharts sets element
 * styles from script (allowed); no inline script or markup style is used.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
}

function disabledPage(): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>服务控制台</title></head><body><main><h1>服务控制台</h1><p>${DISABLED_MESSAGE}</p></main></body></html>`;
}

/** Registers the console on `server`; returns its sign-in guard (tests and the app read it). */
export async function registerConsole(
  server: FastifyInstance,
  deps: ConsoleDeps,
): Promise<ConsoleAuth> {
  const auth = registerConsoleAuth(server, deps);
  const files = staticFiles();
  const page = readFileSync(new URL('index.html', PUBLIC_DIR));

  const servePage = async (_request: unknown, reply: FastifyReply) => {
    securityHeaders(reply).header('cache-control', 'no-store');
    if (!auth.enabled) {
      return reply.code(503).type('text/html; charset=utf-8').send(disabledPage());
    }
    return reply.type('text/html; charset=utf-8').send(page);
  };
  server.get('/console', servePage);
  server.get('/console/', servePage);

  server.get<{ Params: { file: string } }>('/console/static/:file', async (request, reply) => {
    const file = files.get(request.params.file);
    if (!file)
      return reply.code(404).send({ error: { code: 'not_found', message: 'no such file' } });
    return securityHeaders(reply)
      .type(file.type)
      .header('cache-control', 'public, max-age=3600')
      .send(file.body);
  });

  // A console without a token answers every API call 503 rather than leaving it unrouted.
  if (!auth.enabled) {
    server.all('/console/api/*', async (_request, reply) => disabled(reply));
    return auth;
  }
  for (const mount of deps.apis) await server.register(mount(auth.authorize));
  return auth;
}
