// A local fake of an OpenAI-compatible chat completions server (what vLLM, Ollama, DashScope's
// compatible mode or DeepSeek expose): POST /v1/chat/completions with bearer auth, the request
// checks the real API makes (with its error bodies), JSON or server-sent-event responses, and a
// record of every request, including whether the client gave up before the answer came.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeChatMessage {
  role: string;
  content: unknown;
}

export interface FakeOpenAiRequest {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
  messages: FakeChatMessage[];
  stream: boolean;
  /** The client closed the connection before the response was complete (a timeout). */
  aborted: boolean;
  /** The status the fake answered with. */
  status: number;
}

/** What the model "says" to one request. */
export type FakeReply =
  | string
  | {
      content?: string;
      /** Wait this long before answering (the client may give up first). */
      delayMs?: number;
      /** Answer with an API error instead. */
      status?: number;
      error?: { message: string; type: string; code: string | null };
    };

export interface FakeOpenAi {
  /** The base URL clients are configured with: http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  apiKey: string;
  model: string;
  requests: FakeOpenAiRequest[];
  /** Decides the reply to each valid request (default: a refusal JSON). */
  respond(handler: (request: FakeOpenAiRequest) => FakeReply | Promise<FakeReply>): void;
  /** All message contents of a request as one string (what the model was shown). */
  promptOf(request: FakeOpenAiRequest): string;
  close(): Promise<void>;
}

const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'];

function apiError(
  res: ServerResponse,
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = null,
  type = 'invalid_request_error',
): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param, code } }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The checks the real API makes before it runs a model; a message for the first that fails. */
function invalid(
  body: Record<string, unknown>,
  models: readonly string[],
): { status: number; message: string; param: string | null; code: string | null } | null {
  if (body.model === undefined)
    return { status: 400, message: 'you must provide a model parameter', param: null, code: null };
  if (typeof body.model !== 'string' || !models.includes(body.model))
    return {
      status: 404,
      message: `The model \`${String(body.model)}\` does not exist or you do not have access to it.`,
      param: null,
      code: 'model_not_found',
    };
  if (body.messages === undefined)
    return {
      status: 400,
      message: "Missing required parameter: 'messages'.",
      param: 'messages',
      code: 'missing_required_parameter',
    };
  if (!Array.isArray(body.messages))
    return {
      status: 400,
      message: "Invalid type for 'messages': expected an array.",
      param: 'messages',
      code: 'invalid_type',
    };
  if (body.messages.length === 0)
    return {
      status: 400,
      message:
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      param: 'messages',
      code: 'empty_array',
    };
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    const message = m as Record<string, unknown> | null;
    if (typeof message !== 'object' || message === null || typeof message.role !== 'string')
      return {
        status: 400,
        message: `Missing required parameter: 'messages[${i}].role'.`,
        param: `messages[${i}].role`,
        code: 'missing_required_parameter',
      };
    if (!ROLES.includes(message.role))
      return {
        status: 400,
        message: `Invalid value: '${message.role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        param: `messages[${i}].role`,
        code: 'invalid_value',
      };
    if (message.role !== 'assistant' && message.content === undefined)
      return {
        status: 400,
        message: `Missing required parameter: 'messages[${i}].content'.`,
        param: `messages[${i}].content`,
        code: 'missing_required_parameter',
      };
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean')
    return {
      status: 400,
      message: "Invalid type for 'stream': expected a boolean.",
      param: 'stream',
      code: 'invalid_type',
    };
  if (body.stream_options !== undefined && body.stream_options !== null && body.stream !== true)
    return {
      status: 400,
      message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      param: 'stream_options',
      code: null,
    };
  if (
    body.temperature !== undefined &&
    body.temperature !== null &&
    (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 2)
  )
    return {
      status: 400,
      message: `Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got ${String(body.temperature)} instead.`,
      param: 'temperature',
      code: 'decimal_above_max_value',
    };
  for (const name of ['max_tokens', 'max_completion_tokens']) {
    const v = body[name];
    if (v !== undefined && v !== null && (!Number.isInteger(v) || (v as number) < 1))
      return {
        status: 400,
        message: `Invalid '${name}': integer below minimum value. Expected a value >= 1, but got ${String(v)} instead.`,
        param: name,
        code: 'integer_below_min_value',
      };
  }
  return null;
}

export async function startFakeOpenAi(
  options: { apiKey?: string; model?: string } = {},
): Promise<FakeOpenAi> {
  const apiKey = options.apiKey ?? 'sk-test-fake-openai';
  const model = options.model ?? 'qwen-test';
  const requests: FakeOpenAiRequest[] = [];
  let handler: (request: FakeOpenAiRequest) => FakeReply | Promise<FakeReply> = () =>
    '{"answer": "", "sources": []}';

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method !== 'POST' || path !== '/v1/chat/completions') {
        apiError(res, 404, `Invalid URL (${req.method} ${path})`, null, null);
        return;
      }
      const authorization = req.headers.authorization;
      const raw = await readBody(req);
      let body: Record<string, unknown> | null = null;
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          body = parsed as Record<string, unknown>;
      } catch {
        body = null;
      }
      // Every request is recorded, refused ones too: tests check what never left the bot.
      const record: FakeOpenAiRequest = {
        path,
        authorization,
        body: body ?? {},
        messages: Array.isArray(body?.messages) ? (body.messages as FakeChatMessage[]) : [],
        stream: body?.stream === true,
        aborted: false,
        status: 200,
      };
      requests.push(record);
      res.on('close', () => {
        if (!res.writableFinished) record.aborted = true;
      });
      const refuse = (status: number, message: string, code: string | null = null) => {
        record.status = status;
        apiError(res, status, message, null, code);
      };
      if (!authorization?.startsWith('Bearer ')) {
        refuse(
          401,
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        );
        return;
      }
      if (authorization !== `Bearer ${apiKey}`) {
        refuse(401, 'Incorrect API key provided.', 'invalid_api_key');
        return;
      }
      if (!body) {
        refuse(
          400,
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
        );
        return;
      }
      const problem = invalid(body, [model]);
      if (problem) {
        record.status = problem.status;
        apiError(res, problem.status, problem.message, problem.param, problem.code);
        return;
      }
      const reply = await handler(record);
      const spec = typeof reply === 'string' ? { content: reply } : reply;
      if (spec.delayMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, spec.delayMs);
          res.on('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (record.aborted || res.destroyed) return;
      if (spec.status && spec.status !== 200) {
        record.status = spec.status;
        const error = spec.error ?? {
          message: 'The server had an error',
          type: 'server_error',
          code: null,
        };
        apiError(res, spec.status, error.message, null, error.code, error.type);
        return;
      }
      const content = spec.content ?? '';
      const id = `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
      const created = Math.floor(Date.now() / 1000);
      if (!record.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id,
            object: 'chat.completion',
            created,
            model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content, refusal: null },
                logprobs: null,
                finish_reason: 'stop',
              },
            ],
            usage: {
              prompt_tokens: JSON.stringify(body.messages).length,
              completion_tokens: content.length,
              total_tokens: JSON.stringify(body.messages).length + content.length,
            },
            system_fingerprint: 'fp_fake',
          }),
        );
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      const chunk = (delta: Record<string, unknown>, finish: string | null) =>
        `data: ${JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          system_fingerprint: 'fp_fake',
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }, null));
      // Several small deltas, split inside multi-byte text, as real servers send them.
      const pieces = [...content];
      for (let i = 0; i < pieces.length; i += 7) {
        res.write(chunk({ content: pieces.slice(i, i + 7).join('') }, null));
      }
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    })().catch((error: unknown) => {
      if (!res.headersSent) apiError(res, 500, String(error), null, null, 'server_error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey,
    model,
    requests,
    respond(next) {
      handler = next;
    },
    promptOf(request) {
      return request.messages
        .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
        .join('\n');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
