// When human agents are at the desk. Outside these hours a handoff becomes an offer to leave a
// message for a call-back, so nobody waits in a queue nobody is watching.

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const WEEKDAY_ZH = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'] as const;

export class ServiceHoursError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceHoursError';
  }
}

export interface ServiceHours {
  /** True when agents are on duty at this instant. */
  isOpen(at: Date): boolean;
  /** The next instant the desk opens (at itself when already open); null when it never opens. */
  nextOpening(at: Date): Date | null;
  /** Customer-facing description of when agents will call back, e.g. "10月9日（周五）09:00后". */
  describeNextOpening(at: Date): string;
  /** The spec as configured, e.g. "Mon-Fri 09:00-17:00 Asia/Shanghai". */
  readonly spec: string;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minutes: number;
}

function localTime(at: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    weekday: WEEKDAYS.indexOf(get('weekday') as (typeof WEEKDAYS)[number]),
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

function dateKey(t: { year: number; month: number; day: number }): string {
  return `${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
}

/** The UTC instant of a wall-clock time in a zone (two passes handle DST edges). */
function zonedInstant(
  year: number,
  month: number,
  day: number,
  minutes: number,
  timeZone: string,
): Date {
  const wall = Date.UTC(year, month - 1, day, Math.floor(minutes / 60), minutes % 60);
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const t = localTime(new Date(guess), timeZone);
    const seenWall = Date.UTC(
      t.year,
      t.month - 1,
      t.day,
      Math.floor(t.minutes / 60),
      t.minutes % 60,
    );
    guess += wall - seenWall;
  }
  return new Date(guess);
}

function parseClock(text: string, spec: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) throw new ServiceHoursError(`service hours "${spec}": "${text}" is not a HH:MM time`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[1]) > 24 || Number(m[2]) > 59 || minutes > 24 * 60) {
    throw new ServiceHoursError(`service hours "${spec}": "${text}" is not a valid time`);
  }
  return minutes;
}

function parseDays(text: string, spec: string): Set<number> {
  const days = new Set<number>();
  for (const piece of text.split(',')) {
    const [from, to] = piece.split('-');
    const a = WEEKDAYS.findIndex((d) => d.toLowerCase() === from?.trim().toLowerCase());
    const b =
      to === undefined ? a : WEEKDAYS.findIndex((d) => d.toLowerCase() === to.trim().toLowerCase());
    if (a < 0 || b < 0) {
      throw new ServiceHoursError(
        `service hours "${spec}": "${piece}" is not a day or day range like Mon-Fri`,
      );
    }
    for (let d = a; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === b) break;
    }
  }
  return days;
}

/**
 * Parses "Mon-Fri 09:00-17:00 Asia/Shanghai" (days may also be "Mon,Wed,Sat"; "always" means
 * 24/7). `holidays` are local dates (YYYY-MM-DD) when the desk is closed although the weekday is
 * a working day; `extraWorkdays` are weekend dates the desk works (调休).
 */
export function parseServiceHours(
  spec: string,
  options: { holidays?: readonly string[]; extraWorkdays?: readonly string[] } = {},
): ServiceHours {
  const trimmed = spec.trim();
  const holidays = new Set(options.holidays ?? []);
  const extraWorkdays = new Set(options.extraWorkdays ?? []);
  for (const d of [...holidays, ...extraWorkdays]) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d))
      throw new ServiceHoursError(`"${d}" is not a YYYY-MM-DD date`);
  }
  if (trimmed.toLowerCase() === 'always') {
    return {
      spec: trimmed,
      isOpen: () => true,
      nextOpening: (at) => at,
      describeNextOpening: () => '尽快',
    };
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 3) {
    throw new ServiceHoursError(
      `service hours "${spec}" must look like "Mon-Fri 09:00-17:00 Asia/Shanghai"`,
    );
  }
  const [dayText, rangeText, timeZone] = parts as [string, string, string];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ServiceHoursError(`service hours "${spec}": unknown time zone "${timeZone}"`);
  }
  const days = parseDays(dayText, spec);
  const [openText, closeText] = rangeText.split('-');
  if (openText === undefined || closeText === undefined) {
    throw new ServiceHoursError(
      `service hours "${spec}": "${rangeText}" must look like 09:00-17:00`,
    );
  }
  const open = parseClock(openText, spec);
  const close = parseClock(closeText, spec);
  if (close <= open)
    throw new ServiceHoursError(`service hours "${spec}": closing time must be after opening`);

  const isWorkday = (t: LocalTime): boolean => {
    const key = dateKey(t);
    if (extraWorkdays.has(key)) return true;
    return days.has(t.weekday) && !holidays.has(key);
  };

  const isOpen = (at: Date): boolean => {
    const t = localTime(at, timeZone);
    return isWorkday(t) && t.minutes >= open && t.minutes < close;
  };

  const nextOpening = (at: Date): Date | null => {
    if (isOpen(at)) return at;
    const today = localTime(at, timeZone);
    // Walk forward day by day from local noon (safe from DST jumps); a year covers any holiday run.
    const noon = zonedInstant(today.year, today.month, today.day, 12 * 60, timeZone).getTime();
    for (let i = 0; i < 400; i++) {
      const t = localTime(new Date(noon + i * 86_400_000), timeZone);
      if (!isWorkday(t)) continue;
      const opening = zonedInstant(t.year, t.month, t.day, open, timeZone);
      if (opening.getTime() > at.getTime()) return opening;
    }
    return null;
  };

  const hhmm = (m: number): string =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

  return {
    spec: trimmed,
    isOpen,
    nextOpening,
    describeNextOpening(at: Date): string {
      const next = nextOpening(at);
      if (!next) return '工作时间内';
      const t = localTime(next, timeZone);
      const now = localTime(at, timeZone);
      const dayWord =
        dateKey(t) === dateKey(now) ? '今天' : `${t.month}月${t.day}日（${WEEKDAY_ZH[t.weekday]}）`;
      return `${dayWord}${hhmm(open)}后`;
    },
  };
}
