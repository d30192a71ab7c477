// The web chat channel: see adapter.ts for the routes and docs/web-chat in the report.
export {
  registerWebChannel,
  type WebChannelDeps,
  type WebChannelLogger,
  type WebChannelOptions,
} from './adapter.ts';
export type { WebMessageView } from './view.ts';
export {
  internalConversationId,
  issueConversationId,
  resolveConversation,
  WEB_PREFIX,
} from './conversation-ids.ts';
export type { ServerFrame } from './sockets.ts';
export type { WebError } from './parse.ts';
