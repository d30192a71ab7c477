// `npm start` (src/main.ts) as an operator runs it: it refuses content that `csbot lint` rejects,
// listing every error as file:line: message, and it reads .env (the real environment wins).
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'src', 'main.ts');
const csbot = join(root, 'bin', 'csbot.js');
/** tsx's loader by path, so the server also starts from a folder outside the project. */
const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

type Result = { code: number; stdout: string; stderr: string };

async function start(cwd: string, env: Record<string, string>): Promise<Result> {
  return run(process.execPath, ['--import', tsx, main], {
    cwd,
    env: { ...process.env, PORT: '0', ...env },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? 1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}

/** Starts the server and resolves once it listens (then stops it), or with its failure. */
function startsListening(cwd: string, env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsx, main], {
      cwd,
      env: { ...process.env, PORT: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('web chat at')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: stdout.includes('web chat at') ? 0 : (code ?? 1), stdout, stderr });
    });
  });
}

function contentCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), 'csbot-start-'));
  for (const dir of ['intents', 'dialogs', 'config'])
    cpSync(join(root, dir), join(copy, dir), { recursive: true });
  return copy;
}

describe('npm start', () => {
  it('refuses what csbot lint rejects (a wrong node name, a mistyped {firm.KEY}), as file:line', async () => {
    const copy = contentCopy();
    const dialog = join(copy, 'dialogs', 'order_failure.yaml');
    writeFileSync(
      dialog,
      readFileSync(dialog, 'utf8')
        .replace('next: star', 'next: sar')
        .replace('{firm.hotline}', '{firm.hotLine}'),
    );
    const lint = await run(process.execPath, [csbot, 'lint', '--root', copy]).then(
      () => ({ stdout: '', code: 0 }),
      (e: { stdout?: string; code?: number }) => ({ stdout: e.stdout ?? '', code: e.code ?? 1 }),
    );
    expect(lint.code).toBe(1);
    const lintErrors = lint.stdout.split('\n').filter((l) => /^dialogs\/.*:\d+: /.test(l));
    expect(lintErrors.length).toBeGreaterThanOrEqual(2);

    const started = await start(root, { CONTENT_DIR: copy });
    expect(started.code).toBe(1);
    expect(started.stderr).toContain('content has errors');
    for (const line of lintErrors) expect(started.stderr).toContain(line);
    expect(started.stderr).toMatch(/dialogs\/order_failure\.yaml:\d+: .*\bsar\b/);
    expect(started.stderr).toMatch(/dialogs\/order_failure\.yaml:\d+: .*firm\.hotLine/);
  });

  it('reads .env from the folder it starts in; the real environment wins over it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'csbot-dotenv-'));
    writeFileSync(
      join(cwd, '.env'),
      '# copied from .env.example\nCONTENT_DIR=' + root + '\nTRUST_PROXY=true\n',
    );
    const fromFile = await start(cwd, { DATA_DIR: join(cwd, 'data') });
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toContain('TRUST_PROXY=true would believe');

    const overridden = await startsListening(cwd, {
      DATA_DIR: join(cwd, 'data'),
      TRUST_PROXY: '1',
    });
    expect(overridden.stderr).not.toContain('TRUST_PROXY');
    expect(overridden.code).toBe(0);
  }, 90_000);
});
