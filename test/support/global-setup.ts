// Gives the suite its own redis-server on a free port (unless REDIS_URL is set), so no test
// depends on data left in a shared Redis, and a certificate for local https fakes that the test
// workers trust. Tests read them with inject('redisUrl') and inject('localTls').
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeLocalTls, type LocalTls } from './local-tls.ts';
import { startPrivateRedis } from './redis-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    localTls: LocalTls;
  }
}

/** Workers are started after this: they inherit the variable and trust the local certificate. */
async function trustLocalTls(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'csbot-tls-'));
  const tls = makeLocalTls(dir);
  // Keep any authorities already trusted this way (a company proxy), and add ours.
  const inherited = process.env.NODE_EXTRA_CA_CERTS;
  const bundle = join(dir, 'trusted.pem');
  await writeFile(bundle, `${inherited ? await readFile(inherited, 'utf8') : ''}\n${tls.cert}`);
  process.env.NODE_EXTRA_CA_CERTS = bundle;
  project.provide('localTls', { key: tls.key, cert: tls.cert });
  return async () => {
    if (inherited === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = inherited;
    await rm(dir, { recursive: true, force: true });
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const forgetTls = await trustLocalTls(project);
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return forgetTls;
  }
  const redis = await startPrivateRedis();
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    await forgetTls();
  };
}
