// `csbot review --since 7d`: what the bot missed, grouped as the console shows it, in a terminal.
// Reads the store the server writes (files under DATA_DIR, or REDIS_URL), never changing it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serverSettingsFromEnv, withEnvFile, type Env } from '../config.ts';
import { missedReport, spanSince, type MissedReport } from '../console/missed-report.ts';
import { openMissedStore } from '../console/missed-open.ts';
import type { MissedGroup } from '../console/missed-groups.ts';
import { loadContent } from '../content/load.ts';
import { createTokenizer } from '../nlu/tokenize.ts';
import { closeRedis, connectRedis } from '../store/index.ts';

export interface ReviewOptions {
  rootDir: string;
  env: Env;
  since?: string;
  json: boolean;
  /** Most groups printed as text (JSON has them all). Default 20. */
  limit?: string;
  now?: Date;
}

const DEFAULT_SINCE = '7d';
const DEFAULT_LIMIT = 20;

function percent(share: number | null): string {
  return share === null ? '—' : `${(share * 100).toFixed(1)}%`;
}

function groupText(group: MissedGroup, index: number): string[] {
  const counts = [
    group.notUnderstood ? `未识别 ${group.notUnderstood}` : '',
    group.lowConfidence ? `低置信度 ${group.lowConfidence}` : '',
  ].filter(Boolean);
  const topic = group.likelyTopic
    ? `可能的主题 ${group.likelyTopic}${group.likelyQuestion ? ` / ${group.likelyQuestion}` : ''}` +
      `（置信度 ${group.confidence.toFixed(2)}，${Math.round(group.agreement * 100)}% 的识别一致）`
    : '可能的主题：无';
  const lines = [
    `${String(index + 1).padStart(2)}. ${group.size} 条（${counts.join('，')}）· ${topic}`,
    ...group.examples.map((e) => `      · ${e}`),
  ];
  if (group.snippet) {
    lines.push('    YAML:');
    lines.push(
      ...group.snippet
        .trimEnd()
        .split('\n')
        .map((l) => `    ${l}`),
    );
  } else {
    lines.push('    （这些说法 intents/ 里都已有，无需新增）');
  }
  return lines;
}

export function formatReview(report: MissedReport, since: string, limit: number): string {
  const shown = report.groups.slice(0, limit);
  const share = report.read > 0 ? report.notUnderstood / report.read : null;
  const lines = [
    `机器人没答好的问题 / what the bot missed · ${report.from} – ${report.to}（近 ${since}）`,
    `读到 ${report.read} 条客户消息 · 未识别 ${report.notUnderstood}（${percent(share)}）· 低置信度 ${report.lowConfidence} · 共 ${report.groups.length} 组`,
    `每日未识别占比：${report.trend.map((t) => `${t.day.slice(5)} ${percent(t.share)}`).join('  ')}`,
    '',
  ];
  if (report.groups.length === 0) lines.push('这段时间没有未识别或低置信度的消息。');
  shown.forEach((group, i) => lines.push(...groupText(group, i), ''));
  if (report.groups.length > shown.length)
    lines.push(
      `……另有 ${report.groups.length - shown.length} 组（--limit N 显示更多，--json 全部）`,
    );
  return lines.join('\n').trimEnd() + '\n';
}

export async function runReview(
  options: ReviewOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const since = options.since ?? DEFAULT_SINCE;
  const span = spanSince(since, options.now ?? new Date());
  if (!span.ok) throw new Error(span.message);
  const limit = options.limit === undefined ? DEFAULT_LIMIT : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a whole number >= 1');
  const env = withEnvFile(options.env, join(options.rootDir, '.env'));
  const settings = serverSettingsFromEnv(env, options.rootDir);
  const content = loadContent({ rootDir: settings.contentDir });
  const tokenizer = createTokenizer(
    existsSync(content.paths.lexiconPath) ? { lexiconPath: content.paths.lexiconPath } : {},
  );
  const redis = settings.redisUrl
    ? await connectRedis(settings.redisUrl, { connectionName: 'csbot-review' })
    : null;
  try {
    const store = await openMissedStore(
      redis
        ? {
            kind: 'redis',
            command: (args) => redis.sendCommand(args),
            keyPrefix: settings.redisKeyPrefix,
          }
        : { kind: 'embedded', dataDir: settings.dataDir, readOnly: true },
    );
    const report = await missedReport(store, span, {
      tokenizer,
      content: { intents: content.intents },
    });
    await store.close();
    out.write(
      options.json ? JSON.stringify(report, null, 2) + '\n' : formatReview(report, since, limit),
    );
    return 0;
  } finally {
    if (redis) await closeRedis(redis);
  }
}
