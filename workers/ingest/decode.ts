// Turns a feed body into a string. The encoding comes from, in order: a byte order mark,
// the Content-Type charset (RFC 7303 lets it override the document), the XML declaration's
// `encoding`, then UTF-8. Invalid byte sequences become U+FFFD instead of failing the feed.
import { FeedError } from './feed-error.js';

export interface DecodedText {
  text: string;
  /** The WHATWG encoding name actually used, e.g. 'utf-8', 'windows-1252', 'gbk'. */
  encoding: string;
  /** Where the encoding came from. */
  from: 'bom' | 'content-type' | 'prolog' | 'default';
}

/** Decodes a feed body to a string (see `decodeFeedDetailed` for which encoding was used). */
export function decodeFeed(bytes: Uint8Array, contentType = ''): string {
  return decodeFeedDetailed(bytes, contentType).text;
}

export function decodeFeedDetailed(bytes: Uint8Array, contentType = ''): DecodedText {
  const bom = sniffBom(bytes);
  if (bom) return { text: decodeWith(bom, bytes), encoding: bom, from: 'bom' };

  const header = charsetFromContentType(contentType);
  if (header) {
    const encoding = resolveEncoding(header);
    // A UTF-16 label on bytes with no BOM that read as ASCII is a mislabel; the XML
    // declaration or UTF-8 is the better guess.
    if (!encoding.startsWith('utf-16')) {
      return { text: decodeWith(encoding, bytes), encoding, from: 'content-type' };
    }
  }

  const declared = encodingFromProlog(bytes);
  if (declared) {
    const encoding = resolveEncoding(declared);
    if (!encoding.startsWith('utf-16')) {
      return { text: decodeWith(encoding, bytes), encoding, from: 'prolog' };
    }
  }

  return { text: decodeWith('utf-8', bytes), encoding: 'utf-8', from: 'default' };
}

/**
 * Like `decodeFeed`, but refuses a body that is largely invalid in the encoding chosen
 * (say, a Latin-1 feed that declares nothing and so is read as UTF-8): replacing a good
 * snapshot with text full of U+FFFD would lose content. A few stray bad bytes are still
 * replaced, as real feeds often carry one or two.
 */
export function decodeFeedStrict(bytes: Uint8Array, contentType = ''): string {
  const { text, encoding } = decodeFeedDetailed(bytes, contentType);
  let replaced = countReplacements(text);
  // U+FFFD written in the source (EF BF BD in UTF-8) is content, not a decoding error.
  if (encoding === 'utf-8') replaced -= countWrittenReplacements(bytes);
  if (replaced > MAX_STRAY_REPLACEMENTS && replaced * 100 > text.length) {
    throw new FeedError(
      'INVALID_ENCODING',
      `The feed is not valid ${encoding}: ${replaced} invalid byte sequences; it may use an ` +
        'encoding it does not declare',
    );
  }
  return text;
}

/** Invalid sequences tolerated whatever the document's length. */
const MAX_STRAY_REPLACEMENTS = 16;

function countReplacements(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) n++;
  return n;
}

function countWrittenReplacements(bytes: Uint8Array): number {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let i = raw.indexOf('\ufffd'); i !== -1; i = raw.indexOf('\ufffd', i + 3)) n++;
  return n;
}

/** Reads the charset parameter of a Content-Type value, or null. */
export function charsetFromContentType(contentType: string): string | null {
  const match = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType);
  return match?.[2] ?? null;
}

/** Reads `encoding="..."` from an XML declaration in the first bytes, or null. */
export function encodingFromProlog(bytes: Uint8Array): string | null {
  // The declaration is ASCII in every ASCII-compatible encoding, so latin1 is safe to peek.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024))
    .toString('latin1');
  const match = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return match?.[1] ?? null;
}

function sniffBom(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

/** Maps a label to the WHATWG encoding name, or throws UNSUPPORTED_ENCODING. */
export function resolveEncoding(label: string): string {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch (err) {
    throw new FeedError(
      'UNSUPPORTED_ENCODING',
      `The feed declares the character encoding "${label.slice(0, 40)}", which is not supported`,
      { cause: err },
    );
  }
}

function decodeWith(encoding: string, bytes: Uint8Array): string {
  if (encoding === 'windows-1252') return decodeWindows1252(bytes);
  // fatal: false turns broken sequences into U+FFFD; the BOM, if any, is dropped.
  return new TextDecoder(encoding, { fatal: false }).decode(bytes);
}

// 0x80-0x9F of windows-1252 (0 = unassigned, kept as the C1 code point as WHATWG does).
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
  0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
  0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

// Node 20's TextDecoder maps every windows-1252 label (latin1, iso-8859-1, ascii) to plain
// ISO-8859-1, turning curly quotes and dashes into C1 controls; WHATWG and browsers use the
// windows-1252 table, which is what feeds declaring ISO-8859-1 actually mean.
function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\u0080-\u009f]/g, (c) => {
    const mapped = CP1252_HIGH[c.charCodeAt(0) - 0x80];
    return mapped ? String.fromCharCode(mapped) : c;
  });
}
