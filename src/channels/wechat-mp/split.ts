// WeChat caps text messages (passive replies ~600 characters to be safe, custom send 2048 bytes):
// longer texts are cut where a reader expects a break — paragraph, line, sentence — never mid-character.

export interface TextLimit {
  maxChars?: number;
  maxBytes?: number;
}

const utf8 = new TextEncoder();

function fits(text: string, limit: TextLimit): boolean {
  if (limit.maxChars !== undefined && [...text].length > limit.maxChars) return false;
  if (limit.maxBytes !== undefined && utf8.encode(text).length > limit.maxBytes) return false;
  return true;
}

// Preferred cut points, strongest first: after a blank line, a line end, a sentence end, a pause.
const BREAKS: RegExp[] = [/\n\s*\n/g, /\n/g, /[。！？!?；;]+/g, /[，,、：:\s]+/g];

/** Splits `text` into pieces that each fit `limit`, cutting at the most natural break. */
export function splitText(text: string, limit: TextLimit): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest !== '') {
    if (fits(rest, limit)) {
      pieces.push(rest);
      break;
    }
    const head = longestFittingPrefix(rest, limit);
    const cut = naturalCut(head) ?? head.length;
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  return pieces.filter((piece) => piece !== '');
}

/** The longest prefix (whole code points) that fits. */
function longestFittingPrefix(text: string, limit: TextLimit): string {
  let prefix = '';
  let bytes = 0;
  let chars = 0;
  for (const char of text) {
    const size = utf8.encode(char).length;
    if (limit.maxChars !== undefined && chars + 1 > limit.maxChars) break;
    if (limit.maxBytes !== undefined && bytes + size > limit.maxBytes) break;
    prefix += char;
    bytes += size;
    chars += 1;
  }
  // A limit smaller than one character still has to make progress.
  return prefix === '' ? ([...text][0] ?? '') : prefix;
}

/** Where to cut inside `head`: after the last strong break in its second half, if any. */
function naturalCut(head: string): number | null {
  const floor = Math.floor(head.length / 2);
  for (const pattern of BREAKS) {
    let best: number | null = null;
    for (const match of head.matchAll(pattern)) {
      const end = match.index + match[0].length;
      if (end > floor) best = end;
    }
    if (best !== null) return best;
  }
  return null;
}
