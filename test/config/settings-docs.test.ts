// Every setting an operator reads about exists, and every setting the code reads is documented:
// the names in README.md, docs/ and .env.example are checked against the code that reads the
// environment, so a renamed or invented name (AGENT_SERVICE_HOURS) cannot slip back in.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, ext);
    return entry.name.endsWith(ext) ? [path] : [];
  });
}

const sources = filesUnder(join(root, 'src'), '.ts').map((path) => ({
  path,
  text: readFileSync(path, 'utf8'),
}));

/** Names the code reads from the environment (env.NAME, env['NAME'], names handed to a reader). */
function settingsReadByCode(): Set<string> {
  const names = new Set<string>();
  for (const { text } of sources) {
    for (const m of text.matchAll(/\benv\??\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1]!);
    // Files that look names up (env[name]) hand them over as string literals.
    if (!/\benv\[/.test(text)) continue;
    for (const m of text.matchAll(/'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g)) names.add(m[1]!);
  }
  return names;
}

/** Constants the code defines (documents may name them, e.g. MAX_SUSPENDED_DIALOGS). */
function codeConstants(): Set<string> {
  const names = new Set<string>();
  for (const { text } of sources) {
    for (const m of text.matchAll(/\bconst ([A-Z][A-Z0-9_]+)\b/g)) names.add(m[1]!);
    // Error codes (readonly code = 'STORE_UNAVAILABLE') are named in the docs too.
    for (const m of text.matchAll(/\bcode = '([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]!);
  }
  return names;
}

/**
 * Variables the test tooling reads (MUTATION_MODULE for the mutation runs, GENERATOR_SEED to
 * replay generated test data): documents for developers may name them, .env.example need not.
 */
function settingsReadByTooling(): Set<string> {
  const files = [
    join(root, 'stryker.config.mjs'),
    ...filesUnder(join(root, 'test', 'mutation'), '.mjs'),
    ...filesUnder(join(root, 'test', 'support'), '.ts'),
  ];
  const names = new Set<string>();
  for (const path of files) {
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/\bprocess\.env\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1]!);
  }
  return names;
}

const documents = [
  join(root, 'README.md'),
  join(root, '.env.example'),
  ...filesUnder(join(root, 'docs'), '.md'),
  ...filesUnder(join(root, 'src'), '.md'),
];

describe('setting names', () => {
  const read = settingsReadByCode();

  it('every name in README, docs and .env.example is one the code reads (or a code constant)', () => {
    const constants = codeConstants();
    const tooling = settingsReadByTooling();
    const unknown: string[] = [];
    for (const path of documents) {
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(
        /(?<![A-Za-z0-9_])[A-Z][A-Z0-9]*_[A-Z0-9_]{2,}(?![A-Za-z0-9_])/g,
      )) {
        if (!read.has(m[0]) && !constants.has(m[0]) && !tooling.has(m[0]))
          unknown.push(`${relative(root, path)}: ${m[0]}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('.env.example names every setting the code reads, each on its own NAME= line', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    const missing = [...read].filter((name) => !listed.has(name));
    expect(missing).toEqual([]);
    expect([...listed].filter((name) => !read.has(name))).toEqual([]);
  });
});
