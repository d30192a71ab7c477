import { join } from 'node:path';
import { loadContent } from './src/content/load.ts';
import { buildNluEngine } from './src/nlu/engine.ts';
import { loadDialogs } from './src/dialog/loader.ts';
import { runConversationCase } from './src/eval/conversations.ts';
import { understand } from './src/conversation/understand.ts';
import { emptyContext } from './src/conversation/context.ts';
const content = loadContent({ rootDir: '.' });
const nlu = buildNluEngine(content);
const intents = new Map(content.intents.map((i) => [i.id, i]));
for (const text of process.argv.slice(2)) {
  const u = understand(text, emptyContext(), new Date(), {
    analyze: (t) => nlu.analyze(t), kb: nlu.kb, inDomain: (t) => nlu.inDomain(t), intents,
    confidentAt: 0.5, complaintIntent: 'service.complaint', humanIntent: 'service.human', smallTalkIntents: ['chitchat.greeting','chitchat.thanks','chitchat.goodbye'],
  });
  console.log(text);
  for (const a of u.asks) console.log('  ', a.kind, a.kind === 'not_helped' ? '' : `${a.text} -> ${a.nlu.intent} ${a.nlu.confidence} q=${a.nlu.question?.id ?? '-'} c=${(a.nlu.candidates ?? []).map(c=>c.id).join(',')} via=${a.via}`);
}
