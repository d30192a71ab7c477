// A fresh process that reopens the data directory and prints what the stores hold as one JSON
// object (tickets, and the transcript of each conversation asked for), plus every warning about a
// skipped line, so the test sees the store exactly as a restarted bot would.
import { FileTicketStore, FileTranscriptStore } from '../../../src/store/file.ts';

const [dataDir, ...conversationIds] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: reader.ts DATA_DIR CONVERSATION_ID...');

const warnings: string[] = [];
const warn = (message: string): void => {
  warnings.push(message);
};
const tickets = await FileTicketStore.open({ dataDir, warn });
const transcripts = await FileTranscriptStore.open({ dataDir, warn });
const lines: Record<string, { seq: number; text: string }[]> = {};
for (const id of conversationIds) {
  lines[id] = (await transcripts.list(id)).map((e) => ({ seq: e.seq, text: e.text }));
}
const allTickets = (await tickets.list()).map((t) => ({
  id: t.id,
  conversationId: t.conversationId,
  description: t.description,
}));
process.stdout.write(JSON.stringify({ tickets: allTickets, lines, warnings }));
