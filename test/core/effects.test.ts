import { describe, expect, it } from 'vitest';
import { composeEffects, runEffect, type EffectTurn } from '../../src/core/effects.ts';

const turn = {
  conversationId: 'c1',
  state: {},
  channel: 'test',
  now: new Date(0),
  firm: {},
  logger: { info() {}, warn() {}, error() {} },
  say: async () => undefined,
  record: async () => undefined,
} as unknown as EffectTurn;

describe('dialog effect registry', () => {
  it('dispatches each effect to the handler registered for its kind, later registrations winning', async () => {
    const calls: string[] = [];
    const handlers = composeEffects(
      {
        create_ticket: async () => {
          calls.push('default');
          return { ok: true, data: {} };
        },
      },
      {
        create_ticket: async (effect) => {
          calls.push(`override:${effect.dialogId}`);
          return { ok: true, data: { ticketId: 'T1' } };
        },
      },
    );
    const outcome = await runEffect(
      handlers,
      { kind: 'create_ticket', dialogId: 'complaint', slots: {} },
      turn,
    );
    expect(outcome).toEqual({ ok: true, data: { ticketId: 'T1' } });
    expect(calls).toEqual(['override:complaint']);
  });

  it('refuses an effect nobody registered (a wiring bug, not a customer error)', async () => {
    await expect(
      runEffect({}, { kind: 'handoff', reason: 'customer_request', ticketId: null }, turn),
    ).rejects.toThrow(/no handler registered for dialog effect handoff/);
  });
});
