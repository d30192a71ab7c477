import { loadContent } from './src/content/load.ts';
import { buildNluEngine } from './src/nlu/engine.ts';
import { understand } from './src/conversation/understand.ts';
import { emptyContext } from './src/conversation/context.ts';
const content = loadContent({ rootDir: '.' });
const nlu = buildNluEngine(content);
const intents = new Map(content.intents.map((i) => [i.id, i]));
const [qid, ...texts] = process.argv.slice(2);
const q = nlu.kb.questions.get(qid!)!;
const ctx = emptyContext();
ctx.turn = 2; ctx.at = new Date().toISOString(); ctx.topic = q.topic; ctx.questionId = q.id; ctx.subjectTurn = 1; ctx.facets = { ...q.facets }; ctx.answered = [{ id: q.id, turn: 1 }];
for (const text of texts) {
  const u = understand(text, ctx, new Date(), {
    analyze: (t) => nlu.analyze(t), kb: nlu.kb, inDomain: (t) => nlu.inDomain(t), intents,
    confidentAt: 0.5, complaintIntent: 'service.complaint', humanIntent: 'service.human', smallTalkIntents: ['chitchat.greeting','chitchat.thanks','chitchat.goodbye'],
  });
  console.log(text);
  for (const a of u.asks) console.log('  ', a.kind, a.kind === 'not_helped' ? '' : `${a.text} -> ${a.nlu.intent} ${a.nlu.confidence} q=${a.nlu.question?.id ?? '-'} c=${(a.nlu.candidates ?? []).map(c=>c.id).join(',')} via=${'via' in a ? a.via : ''} read=${'read' in a ? a.read : ''}`);
}
