// Who saw personal data in full, and when: every reveal of a ticket's contacts (Slack's
// 查看联系方式) and every admin export with contacts. Kept in the transcript store's durable,
// append-only, ordered stream under a conversation id no channel can address (the web API only
// reads `web:` ids), so it survives restarts and is shared by every instance without a new store.
import type { Json, TranscriptStore } from '../store/types.ts';

export const AUDIT_STREAM = 'audit:personal-data';

export interface AuditEntry {
  at: string;
  /** Who: a Slack member ("张三 (U123)") or the admin API caller's stated name and address. */
  by: string;
  /** What was seen: 'ticket_contacts' or 'export_contacts'. */
  action: 'ticket_contacts' | 'export_contacts';
  /** Where: 'slack', 'admin-api'. */
  via: string;
  /** The tickets whose data was shown. */
  ticketIds: string[];
  /** Extra facts (the export's date range, the client address). */
  detail?: { [key: string]: Json };
}

export interface AuditLog {
  /** Durable before it resolves; the caller must not show the data if this throws. */
  record(entry: AuditEntry): Promise<void>;
  list(options?: { afterSeq?: number }): Promise<(AuditEntry & { seq: number })[]>;
}

export function transcriptAuditLog(transcripts: TranscriptStore): AuditLog {
  return {
    async record(entry) {
      const summary = `${entry.by} ${entry.action === 'ticket_contacts' ? '查看了工单联系方式' : '导出了含联系方式的工单'}（${entry.via}）：${entry.ticketIds.join('、') || '无工单'}`;
      await transcripts.append({
        conversationId: AUDIT_STREAM,
        at: entry.at,
        // Operators' records belong to no customer channel.
        channel: 'cli',
        direction: 'system',
        kind: 'note',
        text: summary,
        data: {
          by: entry.by,
          action: entry.action,
          via: entry.via,
          ticketIds: entry.ticketIds,
          ...(entry.detail ? { detail: entry.detail } : {}),
        },
      });
    },
    async list(options) {
      const entries = await transcripts.list(AUDIT_STREAM, options);
      return entries.map((e) => {
        const data = e.data ?? {};
        return {
          seq: e.seq,
          at: e.at,
          by: String(data.by ?? ''),
          action: data.action === 'export_contacts' ? 'export_contacts' : 'ticket_contacts',
          via: String(data.via ?? ''),
          ticketIds: Array.isArray(data.ticketIds) ? data.ticketIds.map(String) : [],
          ...(data.detail && typeof data.detail === 'object' && !Array.isArray(data.detail)
            ? { detail: data.detail }
            : {}),
        };
      });
    },
  };
}
