// Live content: the snapshot the bot answers from, swapped whole when the files change. A reload
// (file change, SIGHUP, the admin call, another instance's new version) runs the start-up build;
// a clean build replaces the snapshot for new turns (a turn in progress keeps the one it started
// with), a build with errors is refused and the previous content keeps serving.
import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import {
  buildContent,
  CONTENT_FOLDERS,
  contentVersion,
  type BuildOptions,
  type ContentBuild,
  type ContentSnapshot,
  type ContentSource,
} from './build.ts';
import { formatIssue } from './lint.ts';
import type { ContentVersionSync } from './version-sync.ts';

export interface ContentReloadResult {
  outcome: 'applied' | 'unchanged' | 'refused' | 'failed';
  /** What asked for it: "file change", "SIGHUP", "admin", "peer <instance>". */
  trigger: string;
  /** The version now serving, and the one the files had (differs when refused). */
  version: string;
  filesVersion: string;
  at: string;
  ms: number;
  /** `file:line: message` of each error when refused, or the failure. */
  errors: string[];
}

export interface ContentStatus {
  version: string;
  loadedAt: string;
  lastReload: ContentReloadResult | null;
  /** With several instances: the version last published and whether this one serves it. */
  cluster?: { publishedVersion: string | null; inSync: boolean; note?: string };
}

export interface ContentRuntimeLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ContentRuntimeOptions {
  source: ContentSource;
  /** The snapshot start-up built (main.ts refuses to start without one). */
  initial: ContentSnapshot;
  build?: (source: ContentSource, options: BuildOptions) => Promise<ContentBuild>;
  buildOptions?: BuildOptions;
  log: ContentRuntimeLog;
  clock?: () => Date;
  /** Shares the version between instances (Redis); none for a single instance. */
  sync?: ContentVersionSync;
}

export interface ContentRuntime {
  /** The snapshot new turns use. */
  current(): ContentSnapshot;
  /** Builds the files as they are now; one reload at a time, requests meanwhile are merged. */
  reload(trigger: string): Promise<ContentReloadResult>;
  status(): ContentStatus;
  /** Reloads when a file under the content folders changes (quiet for debounceMs first). */
  watchFiles(options?: { debounceMs?: number }): void;
  /** Reloads on SIGHUP. */
  reloadOnSignal(signal?: NodeJS.Signals): void;
  /** Publishes this instance's version and follows the others' (with `sync`). */
  joinCluster(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_RELOAD_DEBOUNCE_MS = 300;

export function createContentRuntime(options: ContentRuntimeOptions): ContentRuntime {
  const build = options.build ?? buildContent;
  const clock = options.clock ?? (() => new Date());
  const { log, source, sync } = options;
  let snapshot = options.initial;
  let loadedAt = clock().toISOString();
  let lastReload: ContentReloadResult | null = null;
  let running: Promise<ContentReloadResult> | null = null;
  let queued: { trigger: string; promise: Promise<ContentReloadResult> } | null = null;
  let publishedVersion: string | null = null;
  const watched = new Map<string, FSWatcher>();
  let debounce: NodeJS.Timeout | null = null;
  const signalHandlers: { signal: NodeJS.Signals; handler: () => void }[] = [];
  let closed = false;

  async function runReload(trigger: string): Promise<ContentReloadResult> {
    const started = Date.now();
    const at = clock().toISOString();
    const result = (
      outcome: ContentReloadResult['outcome'],
      filesVersion: string,
      errors: string[] = [],
    ): ContentReloadResult => ({
      outcome,
      trigger,
      version: snapshot.version,
      filesVersion,
      at,
      ms: Date.now() - started,
      errors,
    });
    let outcome: ContentReloadResult;
    try {
      const filesVersion = contentVersion(source);
      if (filesVersion === snapshot.version) {
        outcome = result('unchanged', filesVersion);
      } else {
        const built = await build(source, options.buildOptions ?? {});
        if (!built.ok) {
          const errors = built.errors.map(formatIssue);
          outcome = result('refused', built.version, errors);
          log.error(
            `content reload refused (${trigger}); still serving ${snapshot.version}:\n${errors.join('\n')}`,
            { version: snapshot.version, refused: built.version },
          );
        } else {
          const previous = snapshot.version;
          snapshot = built.snapshot;
          loadedAt = clock().toISOString();
          outcome = result('applied', built.snapshot.version);
          log.info(`content reloaded (${trigger}): ${previous} -> ${snapshot.version}`, {
            version: snapshot.version,
            previous,
            intents: snapshot.content.intents.length,
            warnings: snapshot.warnings.length,
            ...built.timings,
          });
        }
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = result('failed', snapshot.version, [message]);
      log.error(
        `content reload failed (${trigger}); still serving ${snapshot.version}: ${message}`,
      );
    }
    lastReload = outcome;
    if (outcome.outcome === 'applied') await publish();
    return outcome;
  }

  async function publish(): Promise<void> {
    if (!sync || closed) return;
    try {
      await sync.publish(snapshot.version);
      publishedVersion = snapshot.version;
    } catch (error) {
      log.warn('publishing the content version failed', { err: String(error) });
    }
  }

  function reload(trigger: string): Promise<ContentReloadResult> {
    if (!running) {
      running = runReload(trigger).finally(() => {
        running = null;
      });
      return running;
    }
    // A change during a build: one more build after it sees every change made meanwhile.
    if (!queued) {
      const after = running.then(() => {
        queued = null;
        return reload(trigger);
      });
      queued = { trigger, promise: after };
    }
    return queued.promise;
  }

  return {
    current: () => snapshot,
    reload,
    status() {
      return {
        version: snapshot.version,
        loadedAt,
        lastReload,
        ...(sync
          ? {
              cluster: {
                publishedVersion,
                inSync: publishedVersion === null || publishedVersion === snapshot.version,
                ...(publishedVersion !== null && publishedVersion !== snapshot.version
                  ? {
                      note:
                        lastReload?.outcome === 'refused'
                          ? `another instance serves ${publishedVersion}; the files here do not pass lint`
                          : `another instance serves ${publishedVersion}; the files here are ${snapshot.version} (deploy the same content to every instance)`,
                    }
                  : {}),
              },
            }
          : {}),
      };
    },
    watchFiles({ debounceMs = DEFAULT_RELOAD_DEBOUNCE_MS } = {}) {
      const changed = (): void => {
        watchFolders();
        if (debounce) clearTimeout(debounce);
        // Editors save in several writes (and git checks out many files): wait for quiet.
        debounce = setTimeout(() => {
          debounce = null;
          void reload('file change');
        }, debounceMs);
      };
      // One watcher per folder, not a recursive one: Node 20's recursive watch on Linux loses a
      // file that an editor replaces (write to a temp file, rename over), and then never fires again.
      const watchFolder = (dir: string): void => {
        if (watched.has(dir)) return;
        try {
          const watcher = watch(dir, changed);
          watcher.on('error', (error) => {
            log.warn(`watching ${dir} stopped: ${error.message}`);
            watched.delete(dir);
          });
          watched.set(dir, watcher);
        } catch (error) {
          log.warn(`not watching ${dir}: ${error instanceof Error ? error.message : error}`);
        }
      };
      const watchFolders = (): void => {
        if (closed) return;
        for (const folder of CONTENT_FOLDERS)
          for (const dir of foldersUnder(join(source.rootDir, folder))) watchFolder(dir);
      };
      watchFolders();
    },
    reloadOnSignal(signal = 'SIGHUP') {
      const handler = (): void => void reload(signal);
      process.on(signal, handler);
      signalHandlers.push({ signal, handler });
    },
    async joinCluster() {
      if (!sync) return;
      try {
        await sync.follow((version, instance) => {
          publishedVersion = version;
          if (version !== snapshot.version) void reload(`peer ${instance}`);
        });
        const known = await sync.published();
        if (known === null) await publish();
        else {
          publishedVersion = known;
          if (known !== snapshot.version) await reload('peer version at start');
        }
      } catch (error) {
        // The bot serves its own content meanwhile; only the agreement between instances waits.
        log.warn(`following other instances' content version failed: ${String(error)}`);
      }
    },
    async close() {
      closed = true;
      if (debounce) clearTimeout(debounce);
      for (const w of watched.values()) w.close();
      watched.clear();
      for (const { signal, handler } of signalHandlers) process.off(signal, handler);
      await running?.catch(() => undefined);
      await sync?.close();
    },
  };
}

/** A folder and every folder below it (hidden ones aside); none when it does not exist. */
function foldersUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found = [dir];
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory() && !entry.name.startsWith('.'))
      found.push(...foldersUnder(join(dir, entry.name)));
  return found;
}
