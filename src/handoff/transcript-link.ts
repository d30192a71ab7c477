// HANDOFF_TRANSCRIPT=link: instead of a transcript file uploaded to Slack, agents get a link to the
// masked transcript in the service console, so customer data stays on the firm's own network.
// The link names the conversation by its internal reference (the console's `ref`), never by a web
// conversation's public id, which is a bearer secret.

export type HandoffTranscriptMode = { mode: 'file' } | { mode: 'link'; consoleUrl: string };

export const FILE_TRANSCRIPTS: HandoffTranscriptMode = { mode: 'file' };

/** Where the console shows this conversation's masked transcript. */
export function consoleTranscriptUrl(consoleUrl: string, conversationId: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/console#/conversations/${encodeURIComponent(conversationId)}`;
}

/**
 * HANDOFF_TRANSCRIPT (file | link, default file) and, for link, PUBLIC_BASE_URL: the address where
 * staff open the console (http or https, without a path beyond the bot's own).
 */
export function handoffTranscriptFromEnv(
  env: Record<string, string | undefined>,
): HandoffTranscriptMode {
  const mode = (env.HANDOFF_TRANSCRIPT?.trim() || 'file').toLowerCase();
  if (mode === 'file') return FILE_TRANSCRIPTS;
  if (mode !== 'link')
    throw new Error(`HANDOFF_TRANSCRIPT must be file or link, got "${env.HANDOFF_TRANSCRIPT}"`);
  const base = env.PUBLIC_BASE_URL?.trim() ?? '';
  if (!base)
    throw new Error(
      'HANDOFF_TRANSCRIPT=link needs PUBLIC_BASE_URL: the address where staff open the console (e.g. https://csbot.broker.internal)',
    );
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new Error(`PUBLIC_BASE_URL must be an http(s) address, got "${base}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`PUBLIC_BASE_URL must be an http(s) address, got "${base}"`);
  if (url.search || url.hash)
    throw new Error('PUBLIC_BASE_URL must not carry a query or a fragment');
  // A Slack link is <url|text>: the address must not end it early.
  const consoleUrl = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  if (/[|<>\s]/.test(consoleUrl))
    throw new Error(`PUBLIC_BASE_URL must not contain |, <, > or spaces, got "${base}"`);
  return { mode: 'link', consoleUrl };
}

/**
 * In link mode the handoff summary (written by the optional model from the conversation) would
 * carry into Slack what the link keeps home, so the ports go on without it.
 */
export function withoutSlackSummaries<P extends { summarizer?: unknown }>(
  ports: P,
  transcript: HandoffTranscriptMode,
): P {
  if (transcript.mode !== 'link' || ports.summarizer === undefined) return ports;
  const kept = { ...ports };
  delete kept.summarizer;
  return kept;
}
