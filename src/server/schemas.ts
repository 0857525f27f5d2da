// Input and output schemas of every tool (zod, turned into JSON Schema by the MCP SDK).
// Limits here are the first line of defence: a 1 kB query cap, bounded arrays, no
// control characters.
import { z } from 'zod';
import { SOURCE_ID_PATTERN } from '../config.js';

// Tab, newline and carriage return are ordinary whitespace in a pasted question. C1
// controls (U+0080 to U+009F) are never typed and some terminals act on them.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// Bidirectional embeddings, overrides and isolates make echoed text read differently from
// what it holds (the "Trojan Source" trick); a search query never needs them.
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

/** The 1 kB cap counts UTF-8 bytes: 1000 characters of CJK or emoji are 3 to 4 kB. */
export const MAX_TEXT_BYTES = 1024;

const text = (what: string) =>
  z
    .string()
    .max(1000, `${what} must be at most 1000 characters`)
    .refine(
      (s) => Buffer.byteLength(s, 'utf8') <= MAX_TEXT_BYTES,
      `${what} must be at most ${MAX_TEXT_BYTES} bytes in UTF-8`,
    )
    .refine((s) => !CONTROL.test(s), `${what} must not contain control characters`)
    .refine(
      (s) => !BIDI.test(s),
      `${what} must not contain bidirectional override characters (U+202A-U+202E, U+2066-U+2069)`,
    )
    .refine((s) => s.trim().length > 0, `${what} must not be empty`);

export const sourceId = z
  .string()
  .regex(SOURCE_ID_PATTERN, 'a source id: letters, digits, ".", "_" or "-" (see list_content_sources)');

export const searchInput = {
  query: text('query').describe('What to look for, e.g. "async await cancellation"'),
  requireCode: z.boolean().optional().describe('Only articles with code examples'),
  sources: z
    .array(sourceId)
    .min(1)
    .max(50)
    .optional()
    .describe('Restrict to these source ids (default: every enabled source)'),
  limit: z.number().int().min(1).max(50).optional().describe('Results to return (default 8)'),
};

export const patternInput = {
  topic: text('topic').describe('A Swift or SwiftUI topic, e.g. "swiftui navigation"'),
  source: sourceId.optional().describe('Only this source id'),
  minQuality: z
    .number()
    .min(0)
    .max(100)
    .optional()
    .describe('Lowest quality score (0-100) to return; default 50'),
  requireCode: z.boolean().optional().describe('Only articles with code examples'),
};

export const enableInput = {
  source: sourceId.describe('Source id from list_content_sources'),
  enabled: z.boolean().optional().describe('true to switch on (default), false to switch off'),
};

export const refreshInput = {
  source: sourceId.optional().describe('Only this source (default: every enabled source)'),
};

const codeExample = z.object({ language: z.string(), code: z.string(), isSwift: z.boolean() });

export const resultItem = z.object({
  title: z.string(),
  url: z.string(),
  source: z.string(),
  sourceName: z.string(),
  score: z.number(),
  quality: z.number(),
  date: z.string().nullable(),
  fetchedAt: z.string().nullable(),
  hasCode: z.boolean(),
  tags: z.array(z.string()),
  snippet: z.string(),
  code: codeExample.nullable(),
  resourceUri: z.string(),
});

export const searchOutput = {
  query: z.string(),
  total: z.number().int(),
  searched: z.number().int(),
  /** True while changed sources are re-indexed and an older index answered. */
  stale: z.boolean(),
  results: z.array(resultItem),
};

export type ResultItem = z.infer<typeof resultItem>;
