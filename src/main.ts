// Reads the environment, builds the service with createApp and starts listening.
// Channels whose settings are missing stay off and say so once here.
import { join } from 'node:path';
import { createApp, type ChannelModule, type DeskModule } from './app.ts';
import { appConfigFromEnv, serverSettingsFromEnv } from './config.ts';
import { loadContent } from './content/load.ts';
import { formatIssue } from './content/lint.ts';
import { loadDialogs } from './dialog/loader.ts';
import { buildNluEngine } from './nlu/engine.ts';
import { synonymIssues } from './nlu/synonyms.ts';
import { connectRedis, createStores } from './store/index.ts';
import { ticketSettingContentIssues } from './tickets/settings.ts';

async function main(): Promise<void> {
  const env = process.env;
  const settings = serverSettingsFromEnv(env, process.cwd());
  const content = loadContent({
    rootDir: settings.contentDir,
    ...(settings.firmPath ? { firmPath: settings.firmPath } : {}),
  });
  const dialogs = loadDialogs(join(settings.contentDir, 'dialogs'), settings.contentDir);
  const errors = [
    ...content.issues,
    ...ticketSettingContentIssues(content.firm, content.paths.firmPath, settings.contentDir),
    ...synonymIssues(content.paths.synonymsPath, settings.contentDir),
    ...dialogs.issues,
  ].filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    console.error(
      `content has errors (run npx csbot lint):\n${errors.map(formatIssue).join('\n')}`,
    );
    process.exit(1);
  }
  const started = Date.now();
  const nlu = buildNluEngine(content);
  const nluMs = Date.now() - started;

  const stores = await createStores({
    dataDir: settings.dataDir,
    keyPrefix: settings.redisKeyPrefix,
    ...(settings.redisUrl ? { redisUrl: settings.redisUrl } : {}),
  });
  const redis = settings.redisUrl
    ? await connectRedis(settings.redisUrl, { connectionName: 'csbot-handoff' })
    : undefined;
  const config = appConfigFromEnv(env, content.firm);

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
    desk = { create: (actions, ticketActions) => createSlackDesk(slack, actions, ticketActions) };
  else
    off.push(
      'Slack agent desk (set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_CHANNEL_ID); 转人工 offers to leave a message',
    );

  const app = await createApp(config, {
    content,
    dialogs: dialogs.dialogs,
    nlu,
    stores,
    ...(redis ? { redis } : {}),
    channels,
    ...(desk ? { desk } : {}),
    logger: { level: settings.logLevel } as never,
  });
  const log = app.server.log;
  log.info(
    { intents: content.intents.length, nluMs, store: stores.kind },
    'content loaded, classifier trained',
  );
  for (const channel of off) log.info(`channel off: ${channel}`);

  const address = await app.listen({ port: settings.port, host: settings.host });
  log.info(`web chat at ${address.replace('0.0.0.0', 'localhost')}/`);

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    log.info(`${signal}: shutting down`);
    await app.close();
    await stores.close();
    await redis?.quit().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`csbot failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
