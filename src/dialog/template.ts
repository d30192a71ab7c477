// Fills dialog texts: {firm.KEY} from the firm settings, {slot.NAME} from the dialog's slots,
// with filters for what must never be shown in full (`{slot.phone|mask_phone}`, and
// `{slot.description|mask_personal}` for a customer's own words that may hold a number).
import type { FirmSettings } from '../content/types.ts';
import { renderTemplate } from '../content/render.ts';
import { maskAccount, maskPersonalData, maskPhone } from '../compliance/mask.ts';

// `{slot.name?}` is optional: a line whose optional slot is empty is left out of the text.
const SLOT_PLACEHOLDER = /\{slot\.([A-Za-z0-9_]+)(?:\|([a-z_]+))?(\?)?\}/g;
export const TEMPLATE_FILTERS = ['mask_phone', 'mask_account', 'mask_personal', 'label'] as const;
// Dialogs read no clock. Masking uses one only to tell an ID number by its birth date from other
// long numbers, and masks both, so a fixed instant serves.
const MASKING_INSTANT = new Date(8.64e15);
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
    if (filter === 'mask_personal') return maskPersonalData(value, MASKING_INSTANT);
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
