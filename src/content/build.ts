// The content build that start-up and live reload share: load intents/, dialogs/ and the firm
// settings, run every lint check, and only when none is an error, train the NLU. The result is
// one snapshot (content, dialogs, NLU and the version of the files they came from).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DialogSet } from '../dialog/types.ts';
import { loadDialogs } from '../dialog/loader.ts';
import { buildNluEngineYielding, type NluEngine } from '../nlu/engine.ts';
import { checkContent } from './check.ts';
import { loadContent, type LoadedContent } from './load.ts';
import type { ContentIssue } from './types.ts';

/** Where the content lives: the folder holding intents/, dialogs/, knowledge/ and config/. */
export interface ContentSource {
  rootDir: string;
  /** The firm settings file when it is not <rootDir>/config/firm.yaml (FIRM_CONFIG). */
  firmPath?: string;
}

/** The folders a content team edits; a change in any of them is a new content version. */
export const CONTENT_FOLDERS = ['intents', 'dialogs', 'knowledge', 'config'] as const;

export interface ContentSnapshot {
  /** Hash of the content files: equal on every instance serving the same files. */
  version: string;
  content: LoadedContent;
  dialogs: DialogSet;
  nlu: NluEngine;
  /** Lint warnings of this version (advice; they do not stop it). */
  warnings: ContentIssue[];
}

export type ContentBuild =
  | { ok: true; snapshot: ContentSnapshot; timings: Record<string, number> }
  | { ok: false; version: string; errors: ContentIssue[] };

export interface BuildOptions {
  /** Builds the NLU of loaded content; the real training unless a test injects a cheap one. */
  buildNlu?: (content: LoadedContent) => Promise<NluEngine>;
  /** Lets other work run between steps (turns keep being answered during a reload). */
  pause?: () => Promise<void>;
  clock?: () => number;
}

/**
 * Between build steps the event loop gets a short window: a turn takes several round trips
 * (lock, state, reply), and one setImmediate would let through only one of them.
 */
export const BUILD_PAUSE_MS = 50;
const nextTick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, BUILD_PAUSE_MS));

export async function buildContent(
  source: ContentSource,
  options: BuildOptions = {},
): Promise<ContentBuild> {
  const pause = options.pause ?? nextTick;
  const clock = options.clock ?? Date.now;
  const timings: Record<string, number> = {};
  let started = clock();
  const lap = (name: string): void => {
    const now = clock();
    timings[name] = now - started;
    started = now;
  };
  const version = contentVersion(source);
  const content = loadContent({
    rootDir: source.rootDir,
    ...(source.firmPath ? { firmPath: source.firmPath } : {}),
  });
  lap('loadIntentsMs');
  await pause();
  started = clock();
  const dialogs = loadDialogs(join(source.rootDir, 'dialogs'), source.rootDir);
  lap('loadDialogsMs');
  await pause();
  started = clock();
  const issues = checkContent({ content, dialogs, rootDir: source.rootDir });
  lap('lintMs');
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) return { ok: false, version, errors };
  await pause();
  started = clock();
  const nlu = options.buildNlu
    ? await options.buildNlu(content)
    : await buildNluEngineYielding(content, {}, pause);
  lap('nluMs');
  return {
    ok: true,
    snapshot: {
      version,
      content,
      dialogs: dialogs.dialogs,
      nlu,
      warnings: issues.filter((i) => i.severity === 'warning'),
    },
    timings,
  };
}

/**
 * A short hash of every file under the content folders (path and bytes, in path order) and of the
 * firm settings file: two instances with the same files get the same version.
 */
export function contentVersion(source: ContentSource): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  for (const folder of CONTENT_FOLDERS) collectFiles(join(source.rootDir, folder), files);
  if (source.firmPath && !files.includes(source.firmPath)) files.push(source.firmPath);
  for (const path of files.sort()) {
    hash.update(relative(source.rootDir, path));
    hash.update('\0');
    hash.update(existsSync(path) ? readFileSync(path) : Buffer.alloc(0));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

function collectFiles(dir: string, into: string[]): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    // Editors' swap and backup files are not content.
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collectFiles(path, into);
    else into.push(path);
  }
}
