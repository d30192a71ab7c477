// Working-day arithmetic for promised reply dates and ticket time limits, in Asia/Shanghai. The
// firm's calendar (public holidays, and the weekend days worked instead: 调休) comes from its
// settings; without one only weekends are skipped, so answers that quote a date say 以本公司规定为准.

/** Dates as YYYY-MM-DD (Shanghai) that break the Monday-Friday rule. */
export interface WorkCalendar {
  /** Weekdays off (法定节假日). */
  holidays: ReadonlySet<string>;
  /** Weekend days worked (调休上班). */
  workdays: ReadonlySet<string>;
}

export const WEEKENDS_ONLY: WorkCalendar = { holidays: new Set(), workdays: new Set() };

/** Firm settings keys of the calendar (config/firm.yaml). */
export const CALENDAR_KEYS = {
  holidays: 'workCalendarHolidays',
  workdays: 'workCalendarWorkdays',
} as const;

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Longest range one entry may span; a typo like 2026-01-01..2027-01-01 is refused. */
const MAX_RANGE_DAYS = 31;

/** The Shanghai calendar date of an instant, as YYYY-MM-DD. */
export function shanghaiDay(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Midnight at the start of a Shanghai calendar date, as an instant. */
export function startOfShanghaiDay(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - SHANGHAI_OFFSET_MS);
}

function nextDay(day: string, by = 1): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + by * DAY_MS).toISOString().slice(0, 10);
}

function validDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const parsed = new Date(`${text}T00:00:00.000Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}

/**
 * Parses "2026-10-01..2026-10-07, 2026-12-31" (comma, 、 or space separated; ranges inclusive).
 * Returns the dates, or the first problem as a message.
 */
export function parseDateList(
  text: string,
): { ok: true; dates: string[] } | { ok: false; error: string } {
  const dates: string[] = [];
  for (const raw of text.split(/[,，、\s]+/)) {
    const item = raw.trim();
    if (item === '') continue;
    const [from, to, extra] = item.split('..');
    if (extra !== undefined || !from || !validDate(from) || (to !== undefined && !validDate(to))) {
      return {
        ok: false,
        error: `"${item}" is not a date (YYYY-MM-DD) or range (YYYY-MM-DD..YYYY-MM-DD)`,
      };
    }
    const last = to ?? from;
    const span = (Date.parse(last) - Date.parse(from)) / DAY_MS;
    if (span < 0 || span > MAX_RANGE_DAYS) {
      return {
        ok: false,
        error: `range "${item}" must run forwards and span at most ${MAX_RANGE_DAYS} days`,
      };
    }
    for (let day = from; day <= last; day = nextDay(day)) dates.push(day);
  }
  return { ok: true, dates };
}

/** The firm's calendar from its settings; problems are returned so lint and start-up can list them. */
export function workCalendarFromSettings(settings: Record<string, string | undefined>): {
  calendar: WorkCalendar;
  errors: { key: string; message: string }[];
} {
  const errors: { key: string; message: string }[] = [];
  const read = (key: string): Set<string> => {
    const parsed = parseDateList(settings[key] ?? '');
    if (!parsed.ok) {
      errors.push({ key, message: `${key}: ${parsed.error}` });
      return new Set();
    }
    return new Set(parsed.dates);
  };
  const holidays = read(CALENDAR_KEYS.holidays);
  const workdays = read(CALENDAR_KEYS.workdays);
  for (const day of workdays) {
    if (holidays.has(day)) {
      errors.push({
        key: CALENDAR_KEYS.workdays,
        message: `${day} is listed both as a holiday and as a working day`,
      });
    }
  }
  return { calendar: { holidays, workdays }, errors };
}

/** Whether a Shanghai calendar date (YYYY-MM-DD) is a working day of the firm. */
export function isWorkingDay(day: string, calendar: WorkCalendar = WEEKENDS_ONLY): boolean {
  if (calendar.workdays.has(day)) return true;
  if (calendar.holidays.has(day)) return false;
  const dow = new Date(`${day}T00:00:00.000Z`).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** The date `days` working days after `from` (the day of `from` itself does not count). */
export function addWorkingDays(
  from: Date,
  days: number,
  calendar: WorkCalendar = WEEKENDS_ONLY,
): string {
  let day = shanghaiDay(from);
  let left = Math.max(0, Math.floor(days));
  while (left > 0) {
    day = nextDay(day);
    if (isWorkingDay(day, calendar)) left -= 1;
  }
  return day;
}

/**
 * Working days from the day of `from` up to and including `day` (0 when `day` is not later).
 * A ticket filed on Friday has used 1 working day on Monday.
 */
export function workingDaysBetween(
  from: Date,
  day: string,
  calendar: WorkCalendar = WEEKENDS_ONLY,
): number {
  let count = 0;
  for (let d = nextDay(shanghaiDay(from)); d <= day; d = nextDay(d)) {
    if (isWorkingDay(d, calendar)) count += 1;
  }
  return count;
}
