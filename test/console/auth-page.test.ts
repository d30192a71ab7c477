// The console page's own safety rules, checked on its source: data reaches the page only as text
// (no innerHTML and the like, so a customer's markup cannot run), and nothing loads from elsewhere.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (name: string) =>
  readFileSync(new URL(`../../src/console/public/${name}`, import.meta.url), 'utf8');

describe('console page source', () => {
  it('never writes markup from data', () => {
    // Comments may name the sinks they avoid; the code may not.
    const script = read('console.js')
      .split('\n')
      .filter((line) => !line.trim().startsWith('//'))
      .join('\n');
    for (const sink of [
      'innerHTML',
      'outerHTML',
      'insertAdjacentHTML',
      'document.write',
      'eval(',
    ]) {
      expect(script, sink).not.toContain(sink);
    }
    // Attributes are set one by one, never an event handler from a string.
    expect(script).not.toMatch(/setAttribute\(\s*['"]on/);
  });

  it('loads nothing from another origin', () => {
    for (const name of ['index.html', 'console.js', 'console.css']) {
      const text = read(name).replace(/https?:\/\/(www\.w3\.org)\b/g, '');
      expect(text, name).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    }
  });
});
