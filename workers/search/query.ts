// Ranking and presentation of search hits. MiniSearch gives BM25 scores over the fields;
// on top of that a record matching more of the query's words ranks higher, the score is
// mixed with the record's quality, and each hit carries a snippet and the code block that
// best shows the matched terms, both bounded so a response stays small.
import { processSwiftTerm, tokenizeSwift } from './tokenize.js';
import { FIELD_BOOSTS, recordKey } from './corpus-index.js';
import type { SearchOptions } from 'minisearch';
import type { Corpus } from './corpus-index.js';
import type { CodeBlock, PatternRecord, SearchFilters, SearchHit } from '../protocol.js';

export type SearchMode = 'search' | 'pattern';

export interface SearchOutcome {
  hits: SearchHit[];
  /** Records that matched and passed the filters, before `limit`. */
  total: number;
}

export const SNIPPET_MAX_CHARS = 320;
export const CODE_MAX_CHARS = 1200;

/** How much of the final score comes from relevance (the rest is quality). */
const RELEVANCE_SHARE: Record<SearchMode, number> = { search: 0.85, pattern: 0.6 };

/**
 * MiniSearch options for already processed terms (see correctTypos). Prefix matching lets
 * `observ` find `observable`, but on short terms it matches noise; numbers (`0296`, `5.9`)
 * must match exactly. Edit-distance matching applies only to terms the corpus does not
 * contain: a known word is not a typo, and fuzzy expansion of every term would both cost
 * milliseconds and flood results (two edits turn `awiat` into `swift`). None up to 3
 * characters, one edit up to 8, two beyond.
 */
const termSearchOptions = (unknown: ReadonlySet<string>): SearchOptions => ({
  boost: { ...FIELD_BOOSTS },
  combineWith: 'OR',
  tokenize: (text) => text.split(' '),
  processTerm: (term) => term,
  prefix: (term) => term.length >= 3 && !/\d/.test(term),
  fuzzy: (term) => {
    if (!unknown.has(term) || term.length <= 3) return false;
    return term.length <= 8 ? 1 : 2;
  },
  maxFuzzy: 2,
});

/**
 * Replaces a term the corpus lacks by a known term one adjacent swap away (`awiat` ->
 * `await`): Levenshtein distance, which MiniSearch uses, counts a swap as two edits.
 * Returns the corrected groups and the terms still unknown (fuzzy candidates).
 */
function correctTypos(corpus: Corpus, groups: string[][]): {
  groups: string[][];
  unknown: Set<string>;
} {
  const unknown = new Set<string>();
  const corrected = groups.map((group) =>
    group.map((term) => {
      if (term.length < 4 || /[\d_@#-]/.test(term) || hasTerm(corpus, term)) return term;
      for (let i = 0; i + 1 < term.length; i++) {
        if (term[i] === term[i + 1]) continue;
        const swapped = term.slice(0, i) + term[i + 1] + term[i] + term.slice(i + 2);
        if (hasTerm(corpus, swapped)) return swapped;
      }
      unknown.add(term);
      return term;
    }),
  );
  return { groups: corrected, unknown };
}

// MiniSearch has no public "is this term indexed" call; its radix tree (`_index`) has one.
// The fallback keeps this correct (only slower) should that private field ever change.
function hasTerm(corpus: Corpus, term: string): boolean {
  const tree = (corpus.index as unknown as { _index?: { has?: (t: string) => boolean } })._index;
  if (typeof tree?.has === 'function') return tree.has(term);
  return corpus.index.search(term, { prefix: false, fuzzy: false }).length > 0;
}

/** Query words about the form of an answer, not its subject. */
const ANSWER_KIND_WORDS = new Set([
  'tutorial', 'tutorials', 'example', 'examples', 'guide', 'guides', 'howto', 'how',
  'introduction', 'intro', 'explained', 'explanation', 'overview', 'walkthrough',
  'best', 'practice', 'practices', 'pattern', 'patterns', 'tips', 'learn',
]);

export function searchCorpus(
  corpus: Corpus,
  query: string,
  filters: SearchFilters = {},
  limit = 10,
  mode: SearchMode = 'search',
): SearchOutcome {
  if (corpus.size === 0) return { hits: [], total: 0 };
  const { groups, unknown } = correctTypos(corpus, queryGroups(query));
  if (groups.length === 0) return { hits: [], total: 0 };
  const terms = [...new Set(groups.flat())];
  // Words that say what kind of answer is wanted ("tutorial", "example") still add to the
  // score, but an article need not contain them to count as covering the question.
  const topical = groups.filter((group) => !group.every((term) => ANSWER_KIND_WORDS.has(term)));
  if (topical.length === 0) topical.push(...groups);

  const sources = filters.sources ? new Set(filters.sources) : null;
  const minQuality = filters.minQuality ?? 0;
  const raw = corpus.index.search(terms.join(' '), termSearchOptions(unknown));

  // Rank by relevance scaled by how many of the query's words matched (a word matches
  // when any of its terms did: `TestStore` matches through `teststore`, `test` or `store`).
  const scored: Array<{ record: PatternRecord; relevance: number; result: (typeof raw)[0] }> = [];
  for (const result of raw) {
    const record = corpus.records.get(result.id as string);
    if (!record) continue;
    if (sources && !sources.has(record.source)) continue;
    if (filters.requireCode && !record.hasCode) continue;
    if (record.quality < minQuality) continue;

    const matched = new Set(result.queryTerms);
    let covered = 0;
    for (const group of topical) if (group.some((term) => matched.has(term))) covered++;
    const coverage = covered / topical.length;
    scored.push({ record, relevance: result.score * coverage ** 3, result });
  }

  // A title made (almost) entirely of the query's words is what the user asked for:
  // "async await" should put "SE-0296: Async/await" above "Async/Await: Sequences".
  // Only the strongest candidates can move into the hits, so only they are rescored.
  scored.sort((a, b) => b.relevance - a.relevance);
  for (const entry of scored.slice(0, TITLE_RESCORE_CANDIDATES)) {
    const cover = titleCoverage(entry.record.title, entry.result.match, entry.result.queryTerms);
    entry.relevance *= 1 + TITLE_BONUS * cover * cover;
  }
  const top = scored.reduce((max, entry) => Math.max(max, entry.relevance), 0);

  const share = RELEVANCE_SHARE[mode];
  const ranked = scored
    .map((entry) => {
      const relevance = top > 0 ? entry.relevance / top : 0;
      return { ...entry, score: share * relevance + (1 - share) * (entry.record.quality / 100) };
    })
    .sort((a, b) => b.score - a.score || compareKeys(a.record, b.record));

  const hits = ranked.slice(0, Math.max(0, limit)).map(({ record, score, result }) => {
    const docTerms = highlightTerms(result.queryTerms, result.terms);
    return {
      id: record.id,
      source: record.source,
      title: record.title,
      url: record.url,
      date: record.date,
      score: round3(score),
      quality: record.quality,
      hasCode: record.hasCode,
      tags: record.tags,
      snippet: makeSnippet(record.text || record.summary, docTerms),
      code: bestCodeBlock(record.code, docTerms),
      matched: orderedMatches(groups, result.queryTerms),
    } satisfies SearchHit;
  });
  return { hits, total: scored.length };
}

const TITLE_RESCORE_CANDIDATES = 50;
const TITLE_BONUS = 0.6;

/**
 * Share of the title's words (proposal ids and numbers aside) that the query names as
 * whole words, exactly or through a typo fix; prefix extensions (`async` finding
 * `AsyncStream`) and camelCase parts do not count.
 */
function titleCoverage(
  title: string,
  match: Record<string, string[]>,
  queryTerms: readonly string[],
): number {
  const inTitle = new Set<string>();
  for (const [term, fields] of Object.entries(match)) {
    if (!fields.includes('title')) continue;
    if (queryTerms.some((q) => term !== q && term.startsWith(q))) continue;
    inTitle.add(term);
  }
  if (inTitle.size === 0) return 0;
  let words = 0;
  let covered = 0;
  for (const token of tokenizeSwift(title)) {
    const terms = processSwiftTerm(token);
    if (!terms || /^(se-)?\d/i.test(token) || /^(some|any)_/.test(terms[0]!)) continue;
    words++;
    if (inTitle.has(terms[0]!)) covered++;
  }
  return words === 0 ? 0 : covered / words;
}

/** The query's words, each as the terms it was processed into. */
function queryGroups(query: string): string[][] {
  const groups: string[][] = [];
  const seen = new Set<string>();
  let phrase: string[] = [];
  for (const token of tokenizeSwift(query)) {
    const terms = processSwiftTerm(token);
    if (!terms || terms.length === 0) continue;
    const head = terms[0]!;
    // `some_view` is not a word of its own: it joins the group of the word after it
    // (`view`), so a record with the phrase scores more without counting it twice.
    if (/^(some|any)_/.test(head)) {
      phrase = terms;
      continue;
    }
    if (seen.has(head)) continue;
    seen.add(head);
    groups.push([...terms, ...phrase]);
    phrase = [];
  }
  return groups;
}

/**
 * Terms to look for in the text. The matchers find prefixes, so the query terms cover
 * every prefix expansion; only fuzzy matches (document terms no query term is a prefix
 * of) are added. Fewer alternatives keep the scan fast.
 */
function highlightTerms(queryTerms: readonly string[], docTerms: readonly string[]): string[] {
  const out = [...queryTerms];
  for (const term of docTerms) {
    if (!queryTerms.some((q) => term.startsWith(q))) out.push(term);
  }
  return out;
}

function orderedMatches(groups: string[][], queryTerms: string[]): string[] {
  const matched = new Set(queryTerms);
  const out: string[] = [];
  for (const group of groups) for (const term of group) if (matched.has(term)) out.push(term);
  for (const term of queryTerms) if (!out.includes(term)) out.push(term);
  return [...new Set(out)];
}

function compareKeys(a: PatternRecord, b: PatternRecord): number {
  const ka = recordKey(a);
  const kb = recordKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

// ---- snippet and code example ----

interface Occurrence {
  start: number;
  end: number;
  term: number;
}

/** A regex finding any of `terms` where a word or a camelCase part starts. */
function termMatcher(terms: readonly string[]): { re: RegExp; words: string[] } | null {
  const words = [
    ...new Set(
      terms
        .map((t) => t.replace(/^[@#]/, ''))
        .filter((t) => t.length > 1 && !/^(some|any)_/.test(t)),
    ),
  ].sort((a, b) => b.length - a.length);
  if (words.length === 0) return null;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'));
  return { re: new RegExp(escaped.join('|'), 'gi'), words };
}

function isWordStart(text: string, index: number): boolean {
  if (index === 0) return true;
  const before = text.charCodeAt(index - 1);
  const isAlnum = (c: number) =>
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  if (!isAlnum(before)) return true;
  // A camelCase hump: `navigationStack` contains `stack`.
  const first = text.charCodeAt(index);
  return first >= 65 && first <= 90 && !(before >= 65 && before <= 90);
}

function occurrences(text: string, terms: readonly string[], cap = 4000): Occurrence[] {
  const matcher = termMatcher(terms);
  if (!matcher) return [];
  const { re, words } = matcher;
  const ids = new Map(words.map((w, i) => [w, i]));
  const found: Occurrence[] = [];
  for (const match of text.matchAll(re)) {
    if (!isWordStart(text, match.index)) continue;
    found.push({
      start: match.index,
      end: match.index + match[0].length,
      term: ids.get(match[0].toLowerCase()) ?? 0,
    });
    if (found.length >= cap) break;
  }
  return found;
}

/**
 * Up to SNIPPET_MAX_CHARS of `text` around the window holding the most distinct matched
 * terms (ties: more occurrences, then the earliest), whitespace collapsed, cut at word
 * boundaries, with ellipses where text was cut. Works on raw offsets and flattens only
 * the chosen window: bodies run to tens of kilobytes.
 */
export function makeSnippet(
  text: string,
  terms: readonly string[],
  max = SNIPPET_MAX_CHARS,
): string {
  const body = max - 2; // room for the ellipses
  if (text.length <= body) return text.replace(/\s+/g, ' ').trim();

  const found = occurrences(text, terms, 1000);
  let from = 0;
  if (found.length > 0) {
    // Two pointers over occurrences: the cluster [found[i].start, found[j].end] must fit
    // in most of the window, leaving room for context.
    const counts = new Map<number, number>();
    let best = { distinct: 0, count: 0, start: 0, end: 0 };
    let i = 0;
    for (let j = 0; j < found.length; j++) {
      const added = found[j]!;
      counts.set(added.term, (counts.get(added.term) ?? 0) + 1);
      while (added.end - found[i]!.start > body * 0.8) {
        const t = found[i]!.term;
        const n = counts.get(t)! - 1;
        if (n === 0) counts.delete(t);
        else counts.set(t, n);
        i++;
      }
      const count = j - i + 1;
      if (counts.size > best.distinct || (counts.size === best.distinct && count > best.count)) {
        best = { distinct: counts.size, count, start: found[i]!.start, end: added.end };
      }
    }
    const slack = body - (best.end - best.start);
    from = Math.max(0, best.start - Math.min(60, Math.floor(slack / 2)));
  }

  // Flatten a generous raw slice, then cut the window out of it.
  let flat = text.slice(from, from + body * 2).replace(/\s+/g, ' ');
  if (from > 0) {
    const space = flat.indexOf(' ');
    if (space !== -1 && space < 30) flat = flat.slice(space + 1);
  } else {
    flat = flat.trimStart();
  }
  const more = from + body * 2 < text.length || flat.length > body;
  if (flat.length > body) {
    const space = flat.lastIndexOf(' ', body);
    flat = flat.slice(0, space > body / 2 ? space : body);
  }
  flat = flat.trim();
  return `${from > 0 ? '…' : ''}${flat}${more && flat.length > 0 ? '…' : ''}`;
}

/**
 * The block containing the most distinct matched terms (Swift wins a tie against other
 * languages, then the earlier block), cut to CODE_MAX_CHARS at a line end. Null when the
 * record has no code.
 */
export function bestCodeBlock(
  blocks: readonly CodeBlock[],
  terms: readonly string[],
  max = CODE_MAX_CHARS,
): CodeBlock | null {
  if (blocks.length === 0) return null;
  const matcher = termMatcher(terms);
  let best: CodeBlock | null = null;
  let bestScore = -1;
  for (const block of blocks) {
    if (block.code.trim() === '') continue;
    let distinct = 0;
    if (matcher) {
      const seen = new Set<string>();
      for (const match of block.code.matchAll(matcher.re)) {
        if (isWordStart(block.code, match.index)) seen.add(match[0].toLowerCase());
      }
      distinct = seen.size;
    }
    // A Swift example is what the reader asked for: any Swift block beats lldb output,
    // shell commands or diagrams, however many query words those happen to contain.
    const score = distinct + (block.isSwift ? 100 : 0);
    if (score > bestScore) {
      best = block;
      bestScore = score;
    }
  }
  if (!best) return null;
  return { ...best, code: truncateCode(best.code, max) };
}

function truncateCode(code: string, max: number): string {
  const trimmed = code.replace(/\s+$/, '');
  if (trimmed.length <= max) return trimmed;
  const marker = '\n// …';
  const cut = trimmed.lastIndexOf('\n', max - marker.length);
  const end = cut > max / 2 ? cut : max - marker.length;
  return trimmed.slice(0, end) + marker;
}
