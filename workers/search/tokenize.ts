// Tokens for a Swift corpus. A generic tokenizer loses what Swift developers search for:
// it strips `@` and `#` (`@State`, `#Preview`), splits `SE-0296`, cannot see the phrase
// `some View`, and treats `NavigationStack` as one opaque word. This module keeps those
// forms, adds the camelCase parts next to the whole identifier, lowercases, and drops
// English stop words except the ones that are Swift keywords worth searching for.
// Index and query go through the same functions, so they always agree.

/** Bumped whenever the produced terms change; part of the search index's cache key. */
export const TOKENIZER_VERSION = 1;

// Alternatives, in order: a proposal id, an attribute or macro, an identifier, a number
// (dotted versions such as 5.9 stay whole).
const TOKEN_RE = /SE-\d{4}|[@#][A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)*/g;

// `some View`, `any Sendable`: the opaque / existential type phrase.
const TYPE_PHRASE_KEYWORDS = new Set(['some', 'any']);

const STOP_WORDS = new Set(
  (
    'a an and are as at be been being but by did do does doing for from had has have having ' +
    'he her here hers him his how i if in into is it its itself just me more most my no nor ' +
    'not of off on once only or other our ours out over own same she should so such than ' +
    'that the their theirs them then there these they this those through to too under until ' +
    'up very was we were what when which while who whom why will with would you your yours ' +
    'also can could may might must shall about above after again against all am any before ' +
    'below between both during each few further because down some s t don'
  ).split(' '),
);

/**
 * Swift keywords that are also English stop words and carry meaning in a query about
 * Swift (`some View`, `any Sendable`). The very common ones (`in`, `is`, `as`, `for`,
 * `if`, `do`) stay stop words: in prose they would match almost every article.
 */
const KEPT_KEYWORDS = new Set(['some', 'any', 'where', 'self', 'while', 'case', 'default']);

/**
 * Splits text into raw tokens (original case), adding `some_view`-style phrase tokens
 * after `some`/`any` followed by a type name.
 */
export function tokenizeSwift(text: string): string[] {
  const tokens: string[] = [];
  let previous = '';
  let previousEnd = -1;
  for (const match of text.matchAll(TOKEN_RE)) {
    const token = match[0];
    const start = match.index;
    if (
      TYPE_PHRASE_KEYWORDS.has(previous) &&
      /^[A-Z]/.test(token) &&
      /^[ \t]+$/.test(text.slice(previousEnd, start))
    ) {
      tokens.push(`${previous}_${token}`);
    }
    tokens.push(token);
    previous = token;
    previousEnd = start + token.length;
  }
  return tokens;
}

/**
 * Turns one raw token into the terms to index or query: lowercased whole token plus, for
 * compound identifiers, their parts. Returns null for stop words.
 */
export function processSwiftTerm(token: string): string[] | null {
  if (token.startsWith('SE-') || token.startsWith('se-')) {
    return [token.toLowerCase(), token.slice(3)];
  }
  const first = token[0];
  if (first === '@' || first === '#') {
    const name = token.slice(1);
    return dedupe([token.toLowerCase(), ...wordTerms(name, false)]);
  }
  if (token.includes('_') && /^(some|any)_/.test(token)) {
    // A phrase token from tokenizeSwift; its words were emitted on their own already.
    return [token.toLowerCase()];
  }
  const terms = wordTerms(token, true);
  return terms.length > 0 ? terms : null;
}

/** Tokenize and process in one go (what MiniSearch does with our two hooks). */
export function swiftTerms(text: string): string[] {
  const out: string[] = [];
  for (const token of tokenizeSwift(text)) {
    const terms = processSwiftTerm(token);
    if (terms) for (const term of terms) out.push(term);
  }
  return out;
}

/**
 * The whole identifier plus its camelCase / snake_case parts, lowercased. Parts that are
 * stop words or single letters are dropped; the whole is dropped only when it is a stop
 * word itself (and `dropStop` is set).
 */
function wordTerms(word: string, dropStop: boolean): string[] {
  const whole = word.toLowerCase().replace(/^_+|_+$/g, '');
  // Single letters (`x`, `T`, `_`) match everything and mean nothing.
  if (whole.length < 2) return [];
  const parts = splitIdentifier(word);
  if (parts.length <= 1) {
    if (dropStop && isStopWord(whole)) return [];
    return [whole];
  }
  const terms = [whole];
  for (const part of parts) {
    const lower = part.toLowerCase();
    if (lower.length > 1 && !isStopWord(lower)) terms.push(lower);
  }
  return dedupe(terms);
}

function isStopWord(term: string): boolean {
  return STOP_WORDS.has(term) && !KEPT_KEYWORDS.has(term);
}

// `URLSessionTask` -> URL, Session, Task; `makeHTTP2Request` -> make, HTTP2, Request;
// `is_enabled` -> is, enabled.
const PART_RE = /[A-Z]+[0-9]*(?![a-z])|[A-Z]?[a-z]+[0-9]*|[0-9]+/g;

function splitIdentifier(word: string): string[] {
  const parts: string[] = [];
  for (const chunk of word.split('_')) {
    if (chunk === '') continue;
    for (const match of chunk.matchAll(PART_RE)) parts.push(match[0]);
  }
  return parts;
}

function dedupe(terms: string[]): string[] {
  return terms.length < 2 ? terms : [...new Set(terms)];
}

/** MiniSearch `tokenize` option. */
export function miniSearchTokenize(text: string): string[] {
  return tokenizeSwift(text);
}

/** MiniSearch `processTerm` option: same processing for documents and queries. */
export function miniSearchProcessTerm(term: string): string[] | null {
  return processSwiftTerm(term);
}
