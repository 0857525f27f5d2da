// Text helpers for values read out of a fast-xml-parser tree. Entity processing is off in
// the parser (see parse-feed.ts), so these decode the predefined XML entities and numeric
// references themselves, and never expand anything a DOCTYPE declares.

const XML_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'",
};

// HTML names that feeds use in text fields although XML does not define them. Anything not
// listed stays as written, which is how an undeclared entity stays harmless.
const HTML_ENTITIES: Record<string, string> = {
  ...XML_ENTITIES,
  nbsp: '\u00a0', hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’',
  ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', copy: '©', reg: '®', trade: '™',
  bull: '•', middot: '·', eacute: 'é', egrave: 'è', aacute: 'á', agrave: 'à',
  uuml: 'ü', ouml: 'ö', auml: 'ä', szlig: 'ß', ccedil: 'ç', times: '×', deg: '°',
};

const ENTITY = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/g;

/** Decodes XML's five named entities and numeric references; leaves other names alone. */
export function decodeXmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, body: string) => decodeOne(whole, body, XML_ENTITIES));
}

/** Like decodeXmlEntities, plus common HTML names; for fields shown as plain text. */
export function decodeTextEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, body: string) => decodeOne(whole, body, HTML_ENTITIES));
}

function decodeOne(whole: string, body: string, names: Record<string, string>): string {
  if (body.startsWith('#')) {
    const hex = body[1] === 'x' || body[1] === 'X';
    const cp = Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
    const valid = cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    return valid ? String.fromCodePoint(cp) : '\ufffd';
  }
  return Object.hasOwn(names, body) ? names[body]! : whole;
}

/**
 * The inner text of a stop node (kept raw by the parser): CDATA sections are taken
 * literally, the text around them is entity-decoded, comments are dropped.
 */
export function rawInnerText(raw: string): string {
  if (!raw.includes('<![CDATA[') && !raw.includes('<!--')) return decodeXmlEntities(raw);
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const cdata = raw.indexOf('<![CDATA[', i);
    const comment = raw.indexOf('<!--', i);
    const next = [cdata, comment].filter((n) => n >= 0).sort((a, b) => a - b)[0];
    if (next === undefined) {
      out += decodeXmlEntities(raw.slice(i));
      break;
    }
    out += decodeXmlEntities(raw.slice(i, next));
    if (next === cdata) {
      const end = raw.indexOf(']]>', next + 9);
      out += raw.slice(next + 9, end < 0 ? raw.length : end);
      i = end < 0 ? raw.length : end + 3;
    } else {
      const end = raw.indexOf('-->', next + 4);
      i = end < 0 ? raw.length : end + 3;
    }
  }
  return out;
}

export type XmlValue = string | number | boolean | null | undefined | XmlNode | XmlValue[];
export interface XmlNode {
  [key: string]: XmlValue;
}

export const TEXT = '#text';
export const CDATA = '__cdata';
export const ATTR = '@_';

/** Text of a parsed value: a string, or an element's #text and CDATA parts. */
export function textOf(value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return decodeXmlEntities(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length > 0 ? textOf(value[0]) : '';
  const text = value[TEXT];
  const cdata = value[CDATA];
  return textOf(text) + (cdata === undefined ? '' : rawCdata(cdata));
}

function rawCdata(value: XmlValue): string {
  if (Array.isArray(value)) return value.map(rawCdata).join('');
  return typeof value === 'string' ? value : '';
}

/** An attribute of an element, or ''. */
export function attrOf(value: XmlValue, name: string): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return '';
  const attr = value[ATTR + name];
  return typeof attr === 'string' ? decodeXmlEntities(attr) : '';
}

/** A stop node's raw inner markup and its attributes' owner, as parsed. */
export function rawOf(value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.length > 0 ? rawOf(value[0]) : '';
  if (typeof value !== 'object') return String(value);
  const text = value[TEXT];
  return typeof text === 'string' ? text : '';
}

/** Always an array: absent → [], single → [value]. */
export function listOf(value: XmlValue): XmlValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function isNode(value: XmlValue): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;');
}

/** Plain text as HTML paragraphs, so every body reaches htmlToText in one form. */
export function textToHtml(text: string): string {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  return paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('\n');
}
