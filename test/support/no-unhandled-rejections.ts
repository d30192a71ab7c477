// Fails the test during which a promise was rejected with nobody listening (or an exception
// escaped to the event loop): in production either would be a bug, and before main.ts's safety
// net an unhandled rejection ended the process.
import { afterEach } from 'vitest';

const escaped: string[] = [];

function describe(kind: string, reason: unknown): string {
  const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
  return `${kind}: ${text}`;
}

process.on('unhandledRejection', (reason) => {
  escaped.push(describe('unhandled rejection', reason));
});
process.on('uncaughtException', (error) => {
  escaped.push(describe('uncaught exception', error));
});

afterEach(async () => {
  // A rejection is reported only after the microtask queue drains: give it a turn of the loop.
  await new Promise((resolve) => setImmediate(resolve));
  if (escaped.length === 0) return;
  const found = escaped.splice(0);
  throw new Error(`this test let ${found.length} error(s) escape:\n${found.join('\n')}`);
});
