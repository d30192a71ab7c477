// The crash writer: a process of its own that files complaint tickets and appends transcript
// lines on the embedded file store, many at once, and prints one JSON line per write the store
// confirmed (its promise resolved). The test kills it with SIGKILL part way.
import { FileTicketStore, FileTranscriptStore } from '../../../src/store/file.ts';
import { sampleEntry, sampleTicket } from '../support.ts';

const dataDir = process.argv[2];
const workers = Number(process.argv[3] ?? 8);
if (!dataDir) throw new Error('usage: writer.ts DATA_DIR [WORKERS]');

const quiet = (): void => {};
const tickets = await FileTicketStore.open({ dataDir, warn: quiet });
const transcripts = await FileTranscriptStore.open({ dataDir, warn: quiet });
const confirm = (record: object): void => {
  process.stdout.write(`${JSON.stringify(record)}\n`);
};
process.stdout.write('{"kind":"ready"}\n');

// Each worker is one customer: a turn's lines, and now and then a complaint, until killed.
await Promise.all(
  Array.from({ length: workers }, async (_, worker) => {
    const conversationId = `web:crash-${process.pid}-${worker}`;
    for (let turn = 1; ; turn += 1) {
      const texts = [`客户第${turn}句`, `机器人第${turn}句回复`];
      const stored = await transcripts.appendMany(
        texts.map((text, i) =>
          sampleEntry(conversationId, text, { direction: i === 0 ? 'customer' : 'bot' }),
        ),
      );
      for (const entry of stored) {
        confirm({ kind: 'line', conversationId, seq: entry.seq, text: entry.text });
      }
      if (turn % 3 === 0) {
        const ticket = await tickets.create(
          sampleTicket(conversationId, { description: `第${turn}轮投诉：佣金比约定的高` }),
          'bot',
        );
        confirm({ kind: 'ticket', id: ticket.id, conversationId, description: ticket.description });
      }
    }
  }),
);
