import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  isWorkingDay,
  parseDateList,
  workCalendarFromSettings,
  workingDaysBetween,
} from '../../src/core/workdays.ts';

const calendar = workCalendarFromSettings({
  workCalendarHolidays: '2026-10-01..2026-10-07, 2026-12-31',
  workCalendarWorkdays: '2026-10-10',
}).calendar;

describe('the work calendar', () => {
  it('skips weekends and the firm holidays and counts 调休 weekend days', () => {
    expect(isWorkingDay('2026-10-02', calendar)).toBe(false);
    expect(isWorkingDay('2026-10-10', calendar)).toBe(true);
    expect(isWorkingDay('2026-10-11', calendar)).toBe(false);
    // 30 Sep + 3 working days: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (Saturday, worked).
    expect(addWorkingDays(new Date('2026-09-30T02:00:00Z'), 3, calendar)).toBe('2026-10-10');
    expect(addWorkingDays(new Date('2026-09-30T02:00:00Z'), 3)).toBe('2026-10-05');
    // 23:30 on 30 Sep in UTC is already 1 Oct in Shanghai.
    expect(addWorkingDays(new Date('2026-09-30T16:30:00Z'), 1, calendar)).toBe('2026-10-08');
    expect(workingDaysBetween(new Date('2026-09-30T02:00:00Z'), '2026-10-12', calendar)).toBe(4);
    expect(workingDaysBetween(new Date('2026-09-30T02:00:00Z'), '2026-09-30', calendar)).toBe(0);
  });

  it('reads dates and ranges and names what it cannot read', () => {
    expect(parseDateList('2026-01-01..2026-01-03、2026-02-16')).toEqual({
      ok: true,
      dates: ['2026-01-01', '2026-01-02', '2026-01-03', '2026-02-16'],
    });
    expect(parseDateList('')).toEqual({ ok: true, dates: [] });
    expect(parseDateList('2026-02-30').ok).toBe(false);
    expect(parseDateList('2026-03-05..2026-03-01').ok).toBe(false);
    expect(parseDateList('2026-01-01..2026-12-31').ok).toBe(false);
    const { errors } = workCalendarFromSettings({
      workCalendarHolidays: '十月一日',
      workCalendarWorkdays: '',
    });
    expect(errors).toMatchObject([{ key: 'workCalendarHolidays' }]);
    const both = workCalendarFromSettings({
      workCalendarHolidays: '2026-10-10',
      workCalendarWorkdays: '2026-10-10',
    });
    expect(both.errors[0]?.message).toContain('both');
  });
});
