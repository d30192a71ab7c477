import { loadContent } from './src/content/load.ts';
import { buildNluEngine } from './src/nlu/engine.ts';
const content = loadContent({ rootDir: '.' });
const nlu = buildNluEngine(content);
const [topic, ...texts] = process.argv.slice(2);
for (const t of texts) {
  const r = nlu.kb.rank(t, 60).filter((x) => x.topic === topic).slice(0, 4);
  console.log(t, r.map((x) => `${x.id}:${x.score.toFixed(3)}`).join(' '));
}
