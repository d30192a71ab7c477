// CSV for spreadsheets (RFC 4180): cells with commas, quotes or line breaks are quoted, quotes
// doubled; a cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
// leading apostrophe, so a customer's text can never execute in the firm's Excel. UTF-8 with a BOM
// so Excel shows Chinese correctly.

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== String(value) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvDocument(
  header: string[],
  rows: (string | number | boolean | null | undefined)[][],
): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
