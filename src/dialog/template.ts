// Fills dialog texts: {firm.KEY} from the firm settings, {slot.NAME} from the dialog's slots,
// with filters for what must never be shown in full (`{slot.phone|mask_phone}`).
import type { FirmSettings } from '../content/types.ts';
import { renderTemplate } from '../content/render.ts';
import { maskAccount, maskPhone } from '../compliance/mask.ts';

// `{slot.name?}` is optional: a line whose optional slot is empty is left out of the text.
const SLOT_PLACEHOLDER = /\{slot\.([A-Za-z0-9_]+)(?:\|([a-z_]+))?(\?)?\}/g;
export const TEMPLATE_FILTERS = ['mask_phone', 'mask_account', 'label'] as const;
export const MISSING_SLOT_TEXT = '（未提供）';

export function renderDialogText(
  text: string,
  slots: Readonly<Record<string, string>>,
  firm: FirmSettings,
): string {
  const present = (name: string): boolean => slots[name] !== undefined && slots[name] !== '';
  const kept = text
    .split('\n')
    .filter((line) =>
      [...line.matchAll(SLOT_PLACEHOLDER)].every((m) => !m[3] || present(m[1] ?? '')),
    )
    .join('\n');
  const withSlots = kept.replace(SLOT_PLACEHOLDER, (_whole, name: string, filter?: string) => {
    const value = slots[name];
    if (value === undefined || value === '') return MISSING_SLOT_TEXT;
    if (filter === 'mask_phone') return maskPhone(value);
    if (filter === 'mask_account') return maskAccount(value);
    if (filter === 'label') return slots[`${name}_label`] ?? value;
    return value;
  });
  return renderTemplate(withSlots, firm);
}

/** Slot names and filters used in a text, for lint. */
export function slotPlaceholdersIn(text: string): { slot: string; filter: string | null }[] {
  return [...text.matchAll(SLOT_PLACEHOLDER)].map((m) => ({
    slot: m[1] ?? '',
    filter: m[2] ?? null,
  }));
}
