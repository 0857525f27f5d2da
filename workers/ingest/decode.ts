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
  // fatal: false turns broken sequences into U+FFFD; the BOM, if any, is dropped.
  return new TextDecoder(encoding, { fatal: false }).decode(bytes);
}
