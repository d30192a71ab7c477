import { describe, expect, it } from 'vitest';
import {
  formatTicketId,
  parseTicketId,
  shanghaiDate,
  ticketDayKey,
} from '../../src/store/ticket-id.ts';

describe('ticket ids', () => {
  it('uses the Asia/Shanghai calendar day', () => {
    expect(shanghaiDate(new Date('2026-11-23T15:59:59.999Z'))).toBe('20261123');
    expect(shanghaiDate(new Date('2026-11-23T16:00:00.000Z'))).toBe('20261124');
    expect(shanghaiDate(new Date('2026-12-31T16:00:00.000Z'))).toBe('20270101');
  });

  it('formats complaints as TS and callbacks as CB with a four-digit sequence', () => {
    const at = new Date('2026-11-23T02:00:00Z');
    expect(formatTicketId('complaint', at, 1)).toBe('TS20261123-0001');
    expect(formatTicketId('callback', at, 27)).toBe('CB20261123-0027');
    expect(formatTicketId('complaint', at, 12345)).toBe('TS20261123-12345');
    expect(ticketDayKey('callback', at)).toBe('CB20261123');
  });

  it('refuses sequences that are not positive integers and invalid dates', () => {
    const at = new Date('2026-11-23T02:00:00Z');
    expect(() => formatTicketId('complaint', at, 0)).toThrow(RangeError);
    expect(() => formatTicketId('complaint', at, 1.5)).toThrow(RangeError);
    expect(() => shanghaiDate(new Date('nonsense'))).toThrow(RangeError);
  });

  it('parses what it formats and nothing else', () => {
    expect(parseTicketId('CB20261123-0042')).toEqual({
      kind: 'callback',
      date: '20261123',
      seq: 42,
      dayKey: 'CB20261123',
    });
    expect(parseTicketId('TS20261123-12345')?.seq).toBe(12345);
    for (const bad of [
      '',
      'TS2026112-0001',
      'XX20261123-0001',
      'TS20261123-001',
      'TS20261123-0001x',
    ]) {
      expect(parseTicketId(bad)).toBeNull();
    }
  });
});
