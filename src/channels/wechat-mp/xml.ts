// WeChat's callback XML is flat: <xml> holding <Tag>value</Tag> or <Tag><![CDATA[value]]></Tag>,
// one level of nesting at most (e.g. <ScanCodeInfo>). A small strict parser is safer than a general
// one here: no DTDs, no entities beyond the five predefined, no attributes, bounded size.

export type WechatFields = Record<string, string>;

export type XmlParseResult = { ok: true; fields: WechatFields } | { ok: false; error: string };

const MAX_XML_CHARS = 256 * 1024;
const TAG_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const ENTITIES: Record<string, string> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

function decodeEntities(text: string): string | null {
  let failed = false;
  const decoded = text.replace(
    /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g,
    (_, name: string) => {
      if (name.startsWith('#x')) return safeCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return safeCodePoint(parseInt(name.slice(1), 10));
      const value = ENTITIES[name];
      if (value === undefined) failed = true;
      return value ?? '';
    },
  );
  // A bare '&' that is not an entity is malformed XML.
  if (failed || /&(?!(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});)/.test(text)) return null;
  return decoded;
}

function safeCodePoint(codePoint: number): string {
  return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '\uFFFD';
}

/**
 * Parses `<xml>...</xml>` into its child elements' text. Nested elements (one level, e.g.
 * `<SendLocationInfo><Location_X>`) are flattened into their own tag names; the parent is dropped.
 */
export function parseWechatXml(input: string): XmlParseResult {
  if (input.length > MAX_XML_CHARS) return { ok: false, error: 'XML too large' };
  let text = input.replace(/^\uFEFF/, '').trim();
  const declaration = /^<\?xml[^?]*\?>/.exec(text);
  if (declaration) text = text.slice(declaration[0].length).trim();
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return { ok: false, error: 'DTDs are not accepted' };
  if (!text.startsWith('<xml>') || !text.endsWith('</xml>')) {
    return { ok: false, error: 'root element must be <xml>' };
  }
  const fields: WechatFields = {};
  const error = parseChildren(text.slice('<xml>'.length, -'</xml>'.length), fields, 0);
  return error === null ? { ok: true, fields } : { ok: false, error };
}

function parseChildren(body: string, fields: WechatFields, depth: number): string | null {
  let rest = body;
  for (;;) {
    rest = rest.replace(/^\s+/, '');
    if (rest === '') return null;
    const open = /^<([^\s<>/!?]+)\s*(\/?)>/.exec(rest);
    if (!open) return `unexpected content near "${rest.slice(0, 20)}"`;
    const name = open[1] ?? '';
    if (!TAG_NAME.test(name)) return `invalid tag name "${name.slice(0, 20)}"`;
    rest = rest.slice(open[0].length);
    if (open[2] === '/') {
      fields[name] = '';
      continue;
    }
    const close = `</${name}>`;
    const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*/.exec(rest);
    if (cdata) {
      rest = rest.slice(cdata[0].length);
      // WeChat may split a value holding "]]>" into several CDATA sections.
      let value = cdata[1] ?? '';
      let more = /^<!\[CDATA\[([\s\S]*?)\]\]>\s*/.exec(rest);
      while (more) {
        value += more[1] ?? '';
        rest = rest.slice(more[0].length);
        more = /^<!\[CDATA\[([\s\S]*?)\]\]>\s*/.exec(rest);
      }
      if (!rest.startsWith(close)) return `<${name}> is not closed`;
      fields[name] = value;
      rest = rest.slice(close.length);
      continue;
    }
    const end = rest.indexOf(close);
    if (end < 0) return `<${name}> is not closed`;
    const inner = rest.slice(0, end);
    rest = rest.slice(end + close.length);
    if (inner.includes('<')) {
      if (depth >= 2) return 'XML nested too deeply';
      const error = parseChildren(inner, fields, depth + 1);
      if (error !== null) return error;
      continue;
    }
    const value = decodeEntities(inner);
    if (value === null) return `<${name}> holds a malformed entity`;
    fields[name] = value.trim();
  }
}

function cdata(value: string): string {
  // "]]>" cannot appear inside one CDATA section: end it and open another between "]]" and ">".
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** Builds flat WeChat XML; numbers are written bare, strings as CDATA (as WeChat does). */
export function buildWechatXml(fields: Record<string, string | number>): string {
  const parts = Object.entries(fields).map(([name, value]) => {
    if (!TAG_NAME.test(name)) throw new RangeError(`invalid XML tag name: ${name}`);
    return typeof value === 'number'
      ? `<${name}>${value}</${name}>`
      : `<${name}>${cdata(value)}</${name}>`;
  });
  return `<xml>${parts.join('')}</xml>`;
}
