// Reads the environment, builds the service with createApp and starts listening.
// Channels whose settings are missing stay off and say so once here.
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { createApp, type ChannelModule, type DeskModule } from './app.ts';
import { appConfigFromEnv, serverSettingsFromEnv, withEnvFile } from './config.ts';
import { buildContent } from './content/build.ts';
import { formatIssue } from './content/lint.ts';
import { createContentRuntime, type ContentRuntimeLog } from './content/runtime.ts';
import { RedisContentVersionSync } from './content/version-sync.ts';
import type { LlmPorts } from './core/llm-ports.ts';
import { llmSettingsFromEnv } from './llm/settings.ts';
import { contentReading } from './nlu/engine.ts';
import { openMissedStore } from './console/missed-open.ts';
import { handoffTranscriptFromEnv, withoutSlackSummaries } from './handoff/transcript-link.ts';
import { openConsoleStores } from './console/stats/index.ts';
import { RedisIdempotencyStore } from './store/idempotency.ts';
import { closeRedis, connectRedis, createStores, RedisAvailability } from './store/index.ts';

async function main(): Promise<void> {
  // .env under the real environment, like node's --env-file, and fine when there is none.
  const env = withEnvFile(process.env, join(process.cwd(), '.env'));
  const settings = serverSettingsFromEnv(env, process.cwd());
  const contentSource = {
    rootDir: settings.contentDir,
    ...(settings.firmPath ? { firmPath: settings.firmPath } : {}),
  };
  // The same build as a live reload, with the checks of `csbot lint`: a wrong node name or a
  // mistyped {firm.KEY} stops the start.
  const built = await buildContent(contentSource);
  if (!built.ok) {
    console.error(
      `content has errors (run npx csbot lint):\n${built.errors.map(formatIssue).join('\n')}`,
    );
    process.exit(1);
  }
  const { content, dialogs, nlu } = built.snapshot;

  const stores = await createStores({
    dataDir: settings.dataDir,
    keyPrefix: settings.redisKeyPrefix,
    ...(settings.redisUrl ? { redisUrl: settings.redisUrl } : {}),
  });
  const redis = settings.redisUrl
    ? await connectRedis(settings.redisUrl, { connectionName: 'csbot-handoff' })
    : undefined;
  const config = appConfigFromEnv(env, content.firm);
  // Retried messages and replayed webhook nonces are recognised on every instance.
  // (through the same outage circuit and reply timeout as every other Redis use).
  const receiptsRedis = redis ? new RedisAvailability(redis) : null;
  // The console's statistics and conversation index follow the same store choice.
  const consoleStores = await openConsoleStores(
    redis && receiptsRedis
      ? {
          kind: 'redis',
          redis,
          keyPrefix: settings.redisKeyPrefix,
          availability: receiptsRedis,
        }
      : { kind: 'embedded', dataDir: settings.dataDir },
  );
  // What the bot missed, where `csbot review` finds it too.
  const missed = await openMissedStore(
    receiptsRedis
      ? {
          kind: 'redis',
          command: (args) => receiptsRedis.run((client) => client.sendCommand(args)),
          keyPrefix: settings.redisKeyPrefix,
        }
      : { kind: 'embedded', dataDir: settings.dataDir },
  );
  const receipts = receiptsRedis
    ? new RedisIdempotencyStore(
        (args) => receiptsRedis.run((client) => client.sendCommand(args)),
        settings.redisKeyPrefix,
      )
    : undefined;

  // HANDOFF_TRANSCRIPT=link: agents read the masked transcript in the console; no file to Slack.
  const transcript = handoffTranscriptFromEnv(env);

  // The optional LLM layer (issue #15): langchain is loaded only when LLM_BASE_URL is set.
  const llmSettings = llmSettingsFromEnv(env);
  let llm: LlmPorts | undefined;
  let llmNote = 'LLM layer off (set LLM_BASE_URL and LLM_MODEL)';
  if (llmSettings && llmSettings.uses.length > 0) {
    const { createLlmLayer, loadKnowledge } = await import('./llm/index.ts');
    const knowledge = loadKnowledge({ rootDir: settings.contentDir, firm: content.firm });
    const broken = knowledge.issues.filter((i) => i.severity === 'error');
    if (broken.length > 0) {
      console.error(`knowledge/ has errors:\n${broken.map(formatIssue).join('\n')}`);
      process.exit(1);
    }
    llm = createLlmLayer(llmSettings, {
      knowledge,
      firm: content.firm,
      ...contentReading(content),
    });
    llmNote =
      `LLM layer on: ${llmSettings.model} at ${llmSettings.baseUrl} (${llmSettings.providerLocation}), ` +
      `uses ${llmSettings.uses.join(', ')}; ${knowledge.passages.length} knowledge passages`;
  }
  if (llmSettings && llmSettings.withheld.length > 0) {
    llmNote += `; kept off (provider outside the firm, not in LLM_EXTERNAL_USES): ${llmSettings.withheld.join(', ')}`;
  }
  if (llm?.summarizer && transcript.mode === 'link') {
    llm = withoutSlackSummaries(llm, transcript);
    llmNote += '; handoff summaries off (HANDOFF_TRANSCRIPT=link)';
  }

  const channels: ChannelModule[] = [];
  const off: string[] = [];
  const officialAccount = Boolean(env.WECHAT_TOKEN?.trim() && env.WECHAT_APP_ID?.trim());
  const wecom = Boolean(env.WECOM_CORP_ID?.trim());
  if (officialAccount || wecom) {
    const { wechatModulesFromEnv } = await import('./channels/wechat-mp/module.ts');
    channels.push(...wechatModulesFromEnv(env));
  }
  if (!officialAccount) off.push('WeChat Official Account (set WECHAT_TOKEN and WECHAT_APP_ID)');
  if (!wecom) off.push('WeCom app (set WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_TOKEN, ...)');
  if (env.WECHATY_PUPPET?.trim()) {
    const { wechatyModule } = await import('./channels/wechaty/module.ts');
    channels.push(await wechatyModule(env));
  } else off.push('wechaty (set WECHATY_PUPPET)');
  if (env.MICROSOFT_APP_ID?.trim() || env.BOTFRAMEWORK_ENABLED === 'true') {
    const { botFrameworkModule } = await import('./channels/botframework/module.ts');
    channels.push(botFrameworkModule(env));
  } else
    off.push(
      'Bot Framework (set MICROSOFT_APP_ID, or BOTFRAMEWORK_ENABLED=true for the local Emulator)',
    );

  let desk: DeskModule | undefined;
  const { slackDeskOptionsFromEnv, createSlackDesk } = await import('./desks/slack/slack-desk.ts');
  const slack = slackDeskOptionsFromEnv(env);
  if (slack)
    desk = {
      create: (actions, ticketActions) =>
        createSlackDesk({ ...slack, transcript }, actions, ticketActions),
    };
  else
    off.push(
      'Slack agent desk (set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_CHANNEL_ID); 转人工 offers to leave a message',
    );

  // Reloads log through the server's logger (created with the app, after the runtime).
  let serverLog: FastifyBaseLogger | null = null;
  const contentLog: ContentRuntimeLog = {
    info: (m, f) => (serverLog ? serverLog.info(f ?? {}, m) : console.log(m)),
    warn: (m, f) => (serverLog ? serverLog.warn(f ?? {}, m) : console.warn(m)),
    error: (m, f) => (serverLog ? serverLog.error(f ?? {}, m) : console.error(m)),
  };
  const contentRuntime = createContentRuntime({
    source: contentSource,
    initial: built.snapshot,
    log: contentLog,
    ...(redis
      ? {
          sync: new RedisContentVersionSync(
            redis,
            settings.redisKeyPrefix,
            config.instanceId,
            (m) => contentLog.warn(m),
          ),
        }
      : {}),
  });
  const app = await createApp(config, {
    content,
    dialogs,
    nlu,
    contentRuntime,
    stores,
    ...(redis ? { redis } : {}),
    ...(receipts ? { receipts } : {}),
    channels,
    ...(desk ? { desk } : {}),
    logger: { level: settings.logLevel } as never,
    ...(llm ? { llm } : {}),
    missed,
    consoleStores,
  });
  const log = app.server.log;
  serverLog = log;
  log.info(
    {
      intents: content.intents.length,
      version: built.snapshot.version,
      ...built.timings,
      store: stores.kind,
    },
    'content loaded, classifier trained',
  );
  // Live reload: saved files (unless CONTENT_WATCH=false), SIGHUP, POST /api/admin/content/reload,
  // and the version other instances publish on Redis.
  if (settings.contentWatch) contentRuntime.watchFiles();
  contentRuntime.reloadOnSignal('SIGHUP');
  await contentRuntime.joinCluster();
  for (const channel of off) log.info(`channel off: ${channel}`);
  log.info(llmNote);

  const address = await app.listen({ port: settings.port, host: settings.host });
  log.info(`web chat at ${address.replace('0.0.0.0', 'localhost')}/`);

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    log.info(`${signal}: shutting down`);
    await contentRuntime.close();
    await app.close();
    await stores.close().catch((error: unknown) => log.warn({ err: error }, 'closing stores'));
    await missed.close().catch((error: unknown) => log.warn({ err: error }, 'closing missed'));
    await consoleStores
      .close()
      .catch((error: unknown) => log.warn({ err: error }, 'closing console stores'));
    receiptsRedis?.close();
    if (redis) await closeRedis(redis);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // Last line of defence: a promise rejected with nobody listening is a bug (the test suite fails
  // on any), but in production it is logged and customers keep being served rather than cut off.
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled rejection (bug): the service keeps running');
  });
}

main().catch((error: unknown) => {
  console.error(`csbot failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
