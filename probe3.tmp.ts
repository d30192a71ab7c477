import { loadContent } from './src/content/load.ts';
import { examplesOf } from './src/nlu/engine.ts';
import { normalizeText } from './src/nlu/normalize.ts';
const content = loadContent({ rootDir: '.' });
for (const t of ['港股通結算用什麼貨幣','收益凭证怎么买']) {
  const n = normalizeText(t);
  for (const e of examplesOf(content)) if (normalizeText(e.text) === n) console.log(t, '<-', e.text, e.label);
}
