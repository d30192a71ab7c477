// The firm's ticket rules, read from its settings (config/firm.yaml) each time they are needed so
// an edited file takes effect without a restart: the work calendar, which Slack channel is each
// department's desk, when to remind, when to send the supervisor the overdue list.
import { relative } from 'node:path';
import type { ContentIssue, FirmSettings } from '../content/types.ts';
import { workCalendarFromSettings, type WorkCalendar } from '../core/workdays.ts';
import { DEFAULT_DEPARTMENTS } from '../store/departments.ts';

/** Firm settings keys; a department's desk channel is `departmentChannel.<部门>: C0123…`. */
export const TICKET_KEYS = {
  replyWorkdays: 'complaintReplyWorkdays',
  departmentChannelPrefix: 'departmentChannel.',
  reminderShare: 'ticketReminderShare',
  digestTime: 'ticketDigestTime',
  feedbackWorkdays: 'ticketFeedbackWorkdays',
} as const;

export interface TicketSettings {
  calendar: WorkCalendar;
  /** Working days a complaint may take (the promised reply date). */
  replyWorkdays: number;
  /** Department -> Slack channel id of its desk. */
  departmentChannels: Record<string, string>;
  /** Every department a ticket can be transferred to. */
  departments: string[];
  /** Share of the time limit after which the department is reminded (0-1). */
  reminderShare: number;
  /** Local time (Asia/Shanghai, HH:MM) of the supervisor's overdue list on working days. */
  digestMinutes: number;
  /** A resolved ticket the customer does not rate is closed after this many working days. */
  feedbackWorkdays: number;
}

export interface TicketSettingIssue {
  key: string;
  message: string;
}

const DEFAULTS = {
  replyWorkdays: 15,
  reminderShare: 0.8,
  digestMinutes: 9 * 60,
  feedbackWorkdays: 5,
};

/** The ticket rules of a firm and any setting that could not be used (for lint and start-up). */
export function ticketSettingsFromFirm(firm: FirmSettings): {
  settings: TicketSettings;
  issues: TicketSettingIssue[];
} {
  const issues: TicketSettingIssue[] = [];
  const { calendar, errors } = workCalendarFromSettings(firm);
  issues.push(...errors);
  const departmentChannels: Record<string, string> = {};
  for (const [key, value] of Object.entries(firm)) {
    if (!key.startsWith(TICKET_KEYS.departmentChannelPrefix)) continue;
    const department = key.slice(TICKET_KEYS.departmentChannelPrefix.length).trim();
    const channel = value.trim();
    if (!department || !/^[CG][A-Z0-9]{2,}$/.test(channel)) {
      issues.push({
        key,
        message: `${key}: expected a Slack channel id like C0123ABCD, got "${value}"`,
      });
      continue;
    }
    departmentChannels[department] = channel;
  }
  const departments = [
    ...new Set([...Object.values(DEFAULT_DEPARTMENTS), ...Object.keys(departmentChannels)]),
  ];
  const number = (
    key: string,
    fallback: number,
    ok: (n: number) => boolean,
    what: string,
  ): number => {
    const raw = firm[key];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw);
    if (!ok(n)) {
      issues.push({ key, message: `${key}: expected ${what}, got "${raw}"` });
      return fallback;
    }
    return n;
  };
  const replyWorkdays = number(
    TICKET_KEYS.replyWorkdays,
    DEFAULTS.replyWorkdays,
    (n) => Number.isInteger(n) && n > 0,
    'a whole number of working days above 0',
  );
  const reminderShare = number(
    TICKET_KEYS.reminderShare,
    DEFAULTS.reminderShare,
    (n) => n > 0 && n < 1,
    'a share between 0 and 1, e.g. 0.8',
  );
  const feedbackWorkdays = number(
    TICKET_KEYS.feedbackWorkdays,
    DEFAULTS.feedbackWorkdays,
    (n) => Number.isInteger(n) && n > 0,
    'a whole number of working days above 0',
  );
  let digestMinutes = DEFAULTS.digestMinutes;
  const digest = firm[TICKET_KEYS.digestTime]?.trim();
  if (digest) {
    const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(digest);
    if (m) digestMinutes = Number(m[1]) * 60 + Number(m[2]);
    else
      issues.push({
        key: TICKET_KEYS.digestTime,
        message: `${TICKET_KEYS.digestTime}: expected HH:MM, got "${digest}"`,
      });
  }
  return {
    settings: {
      calendar,
      replyWorkdays,
      departmentChannels,
      departments,
      reminderShare,
      digestMinutes,
      feedbackWorkdays,
    },
    issues,
  };
}

/** The ticket settings' problems as lint lines of the firm settings file. */
export function ticketSettingContentIssues(
  firm: FirmSettings,
  firmPath: string,
  rootDir: string,
): ContentIssue[] {
  const file = relative(rootDir, firmPath) || firmPath;
  return ticketSettingsFromFirm(firm).issues.map((issue) => ({
    file,
    line: 1,
    message: issue.message,
    severity: 'error',
  }));
}
