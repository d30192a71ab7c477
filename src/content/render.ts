// Fills {firm.KEY} placeholders in content texts from the firm settings.
import type { FirmSettings } from './types.ts';

const PLACEHOLDER = /\{firm\.([A-Za-z0-9_]+)\}/g;

export function renderTemplate(text: string, firm: FirmSettings): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => firm[key] ?? whole);
}

/** Placeholder keys used in a text, for lint to check against the settings. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** A topic's title as said in a sentence: 融资融券（两融） is 融资融券. */
export function titleInSentence(title: string): string {
  return title.replace(/[（(][^）)]*[）)]/gu, '').trim();
}
