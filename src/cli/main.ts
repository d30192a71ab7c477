// The `csbot` command: content checks, NLU measurement and a terminal chat with the bot.
import { parseArgs } from 'node:util';
import { runLint } from './lint.ts';
import { runNluCommand } from './nlu.ts';

const USAGE = `用法 / usage: csbot <command>

  csbot lint [--json]                check intents/, dialogs/ and config/ (file:line: message with the
                                     line and what to do; --json: [{file,line,column,severity,message,
                                     suggestion}]); exit 1 on errors
  csbot chat                         talk to the bot in this terminal
  csbot review [--since 7d] [--limit N] [--json]
                                     what the bot missed (not understood, low confidence) since
                                     24h / 7d / 30d..., grouped, with YAML for intents/; reads the
                                     server's store (DATA_DIR, or REDIS_URL)
  csbot test [DIR|FILE...]           play the conversation tests (default test/conversations) against
                                     the current content; shows expected vs actual for failures
  csbot eval conversations [DIR...] [--json]
                                     pass rate of the conversation tests, by category
  csbot nlu classify "TEXT" [--json] [--details]
                                     classify one message (--details: the standard question,
                                     close questions and facets too)
  csbot nlu eval --data F.jsonl [--json]
                                     evaluate the shipped intents on {"text","label"} lines
  csbot nlu eval --cv K [--json]     K-fold cross-validation over the shipped intents' own examples
  csbot nlu bench --train A.jsonl --test B.jsonl [--json]
                                     train a fresh model on A only, evaluate on B, with timings
  csbot eval llm --base-url URL [--model M] [--api-key K] [--data F.jsonl] [--streaming]
                 [--timeout-ms N] [--json]
                                     grounded-QA set (knowledge/eval/) against an OpenAI-compatible
                                     model: groundedness and refusal rates (LLM_MODEL, LLM_API_KEY
                                     are read when the flags are absent)

Options: --root DIR (project folder holding intents/, dialogs/, config/; default: current folder)`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      details: { type: 'boolean', default: false },
      data: { type: 'string' },
      train: { type: 'string' },
      test: { type: 'string' },
      cv: { type: 'string' },
      root: { type: 'string' },
      'base-url': { type: 'string' },
      model: { type: 'string' },
      'api-key': { type: 'string' },
      streaming: { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  const rootDir = values.root ?? process.cwd();
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'lint':
      return runLint({ rootDir, out: process.stdout, json: values.json });
    case 'nlu':
      return runNluCommand(rest, { ...values, rootDir }, process.stdout);
    case 'test': {
      const { runConversationTests } = await import('./conversations.ts');
      return runConversationTests({ rootDir, dirs: rest }, process.stdout);
    }
    case 'eval': {
      const [what, ...dirs] = rest;
      if (what === 'conversations') {
        const { runEvalConversations } = await import('./conversations.ts');
        return runEvalConversations({ rootDir, dirs, json: values.json }, process.stdout);
      }
      if (what !== 'llm')
        throw new Error(`eval needs "conversations" or "llm" (got ${what ?? 'nothing'})`);
      // Loaded only for this command: langchain stays out of the other commands' start-up.
      const { runLlmEval } = await import('./eval-llm.ts');
      return runLlmEval(
        {
          rootDir,
          env: process.env,
          ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
          ...(values.model ? { model: values.model } : {}),
          ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
          ...(values.data ? { data: values.data } : {}),
          ...(values['timeout-ms'] ? { timeoutMs: values['timeout-ms'] } : {}),
          streaming: values.streaming,
          json: values.json,
        },
        process.stdout,
      );
    }
    case 'review': {
      const { runReview } = await import('./review.ts');
      return runReview(
        {
          rootDir,
          env: process.env,
          json: values.json,
          ...(values.since ? { since: values.since } : {}),
          ...(values.limit ? { limit: values.limit } : {}),
        },
        process.stdout,
      );
    }
    case 'chat': {
      const { runChatCommand } = await import('./chat-command.ts');
      return runChatCommand({ rootDir });
    }
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Bad flags and unreadable files are the user's to fix: say what, without a stack trace.
  console.error(`csbot: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
