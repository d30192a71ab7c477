// `csbot chat`: the real pipeline in a terminal, on the embedded store (./data) or REDIS_URL, so
// complaint tickets filed here are there after a restart. Human handoff has no desk here: the
// customer is offered to leave a message, as after hours.
import { join } from 'node:path';
import { loadContent } from '../content/load.ts';
import { formatIssue } from '../content/lint.ts';
import type { ChannelOutlet } from '../core/gateway.ts';
import { createConversationGateway } from '../core/pipeline.ts';
import { loadDialogs } from '../dialog/loader.ts';
import { MemoryHandoffBus } from '../handoff/bus.ts';
import { createNoDeskHandoffService } from '../handoff/handoff-service.ts';
import { MemoryHandoffQueue } from '../handoff/queue.ts';
import { handoffSettingsFromEnv } from '../handoff/settings.ts';
import { buildNluEngine } from '../nlu/engine.ts';
import { createStores } from '../store/index.ts';
import { runChat } from './chat.ts';

export async function runChatCommand(options: { rootDir: string }): Promise<number> {
  const content = loadContent({ rootDir: options.rootDir });
  const dialogs = loadDialogs(join(options.rootDir, 'dialogs'), options.rootDir);
  const errors = [...content.issues, ...dialogs.issues].filter((i) => i.severity === 'error');
  if (errors.length > 0)
    throw new Error(`content has errors:\n${errors.map(formatIssue).join('\n')}`);
  process.stdout.write('正在加载…\n');
  const nlu = buildNluEngine(content);
  const redisUrl = process.env.REDIS_URL?.trim();
  const stores = await createStores({
    dataDir: process.env.DATA_DIR?.trim() || join(options.rootDir, 'data'),
    ...(redisUrl ? { redisUrl } : {}),
  });
  // Agent replies have nowhere to go in a terminal session; the handoff service only offers messages.
  const outlets = new Map<string, ChannelOutlet>();
  const handoff = createNoDeskHandoffService({
    queue: new MemoryHandoffQueue(),
    bus: new MemoryHandoffBus(),
    states: stores.states,
    transcripts: stores.transcripts,
    tickets: stores.tickets,
    outlets: (channel) => outlets.get(channel),
    settings: handoffSettingsFromEnv(process.env, {
      hotline: content.firm.hotline ?? '',
      agentServiceHours: content.firm.agentServiceHours ?? '',
    }),
    log: () => undefined,
  });
  const gateway = createConversationGateway({
    nlu,
    content,
    dialogs: dialogs.dialogs,
    stores,
    handoff,
    logger: {
      info: () => undefined,
      warn: () => undefined,
      error: (m, f) => console.error(m, f ?? ''),
    },
  });
  handoff.bindControl(gateway);
  process.stdout.write(
    `已连接（${stores.kind === 'redis' ? 'Redis' : '本地存储'}）。输入 /exit 退出。\n`,
  );
  try {
    await runChat({ gateway, input: process.stdin, output: process.stdout });
  } finally {
    await stores.close();
  }
  return 0;
}
