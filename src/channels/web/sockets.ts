// Open widget sockets of this instance, grouped by conversation, so a reply or an agent message
// reaches every tab the customer has open.
import type { WebSocket } from 'ws';
import type { WebMessageView } from './view.ts';
import type { WebError } from './parse.ts';

/** Frames the server sends to the widget. */
export type ServerFrame =
  | { type: 'history'; conversationId: string; messages: WebMessageView[]; cursor: number }
  | { type: 'messages'; messages: WebMessageView[] }
  | { type: 'typing'; active: boolean }
  | { type: 'error'; error: Omit<WebError, 'status'> }
  | { type: 'pong' };

export class ConversationSockets {
  private readonly byConversation = new Map<string, Set<WebSocket>>();
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private maxUnreadBytes = DEFAULT_MAX_UNREAD_BYTES;

  add(conversationId: string, socket: WebSocket): void {
    let set = this.byConversation.get(conversationId);
    if (!set) {
      set = new Set();
      this.byConversation.set(conversationId, set);
    }
    set.add(socket);
    this.alive.set(socket, true);
    socket.on('pong', () => this.alive.set(socket, true));
  }

  remove(conversationId: string, socket: WebSocket): void {
    const set = this.byConversation.get(conversationId);
    if (!set) return;
    set.delete(socket);
    if (set.size === 0) this.byConversation.delete(conversationId);
  }

  count(conversationId: string): number {
    return this.byConversation.get(conversationId)?.size ?? 0;
  }

  /** Sends to every open socket of the conversation but `except` (the tab that asked). */
  broadcast(conversationId: string, frame: ServerFrame, except?: WebSocket): number {
    const set = this.byConversation.get(conversationId);
    if (!set) return 0;
    const data = JSON.stringify(frame);
    let sent = 0;
    for (const socket of set) {
      if (socket === except) continue;
      if (sendRaw(socket, data, this.maxUnreadBytes)) sent += 1;
    }
    return sent;
  }

  /**
   * Pings every socket periodically and drops the ones that stopped answering (lost phones) or
   * stopped reading (more than `maxUnreadBytes` waiting to be sent).
   */
  startHeartbeat(intervalMs: number, maxUnreadBytes = DEFAULT_MAX_UNREAD_BYTES): void {
    this.maxUnreadBytes = maxUnreadBytes;
    if (this.heartbeat || intervalMs <= 0) return;
    this.heartbeat = setInterval(() => {
      for (const set of this.byConversation.values()) {
        for (const socket of set) {
          if (this.alive.get(socket) === false) {
            socket.terminate();
            continue;
          }
          this.alive.set(socket, false);
          socket.ping();
        }
      }
    }, intervalMs);
    this.heartbeat.unref();
  }

  closeAll(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const set of this.byConversation.values()) {
      for (const socket of set) socket.close(1001, 'server shutting down');
    }
    this.byConversation.clear();
  }
}

const DEFAULT_MAX_UNREAD_BYTES = 1024 * 1024;

export function sendFrame(
  socket: WebSocket,
  frame: ServerFrame,
  maxUnreadBytes = DEFAULT_MAX_UNREAD_BYTES,
): boolean {
  return sendRaw(socket, JSON.stringify(frame), maxUnreadBytes);
}

/** A reader that lets more than `maxUnreadBytes` pile up is cut off instead of filling memory. */
function sendRaw(socket: WebSocket, data: string, maxUnreadBytes: number): boolean {
  if (socket.readyState !== socket.OPEN) return false;
  if (socket.bufferedAmount > maxUnreadBytes) {
    socket.terminate();
    return false;
  }
  socket.send(data);
  return true;
}
