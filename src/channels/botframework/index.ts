// The Bot Framework channel: see adapter.ts. Nothing outside this folder imports botbuilder.
export {
  BOTFRAMEWORK_PATH,
  registerBotFrameworkChannel,
  type BotFrameworkChannelDeps,
  type BotFrameworkLogger,
  type BotFrameworkOptions,
} from './adapter.ts';
export {
  PUBLIC_CLOUD_ENDPOINTS,
  type BotFrameworkAppType,
  type BotFrameworkEndpoints,
} from './auth.ts';
export { BOTFRAMEWORK_PREFIX, botFrameworkConversationId } from './translate.ts';
