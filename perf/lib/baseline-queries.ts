// The five calls of the baseline (issue 4), each with the check its answer must pass.
import { resultsOf, textOf } from './answers.js';
import type { ToolCall } from './answers.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface BaselineQuery extends ToolCall {
  /** Stable key used in reports and comparisons across days. */
  id: string;
  label: string;
  /** Null when the answer is right, else why not. */
  check(result: CallToolResult, sourceIds: readonly string[]): string | null;
}

export const unknownSourceId = 'no-such-source-perf';

export const baselineQueries: readonly BaselineQuery[] = [
  {
    id: 'list-sources',
    label: 'list_content_sources',
    tool: 'list_content_sources',
    args: {},
    check: (result, sourceIds) => {
      if (result.isError) return `error: ${textOf(result)}`;
      const body = JSON.stringify(result.structuredContent ?? null) + textOf(result);
      const missing = sourceIds.filter((id) => !body.includes(id));
      return missing.length === 0 ? null : `sources missing from the answer: ${missing.join(', ')}`;
    },
  },
  {
    id: 'search-async-await',
    label: 'search_swift_content "async await"',
    tool: 'search_swift_content',
    args: { query: 'async await' },
    check: (result) => {
      if (result.isError) return `error: ${textOf(result)}`;
      const titles = resultsOf(result).slice(0, 3).map((item) => item.title);
      return titles.some((title) => title.startsWith('SE-0296'))
        ? null
        : `SE-0296 not in the top 3: ${JSON.stringify(titles)}`;
    },
  },
  {
    id: 'pattern-swiftui-q70',
    label: 'get_swift_pattern "swiftui" minQuality 70',
    tool: 'get_swift_pattern',
    args: { topic: 'swiftui', minQuality: 70 },
    check: (result) => {
      if (result.isError) return `error: ${textOf(result)}`;
      const low = resultsOf(result).filter((item) => (item.quality ?? 100) < 70);
      return low.length === 0 ? null : `${low.length} results below quality 70`;
    },
  },
  {
    id: 'search-concurrency-code',
    label: 'search_swift_content "swift concurrency" requireCode',
    tool: 'search_swift_content',
    args: { query: 'swift concurrency', requireCode: true },
    check: (result) => {
      if (result.isError) return `error: ${textOf(result)}`;
      const results = resultsOf(result);
      if (results.length === 0) return 'no results';
      const without = results.filter((item) => item.hasCode === false);
      return without.length === 0 ? null : `${without.length} results without code`;
    },
  },
  {
    id: 'enable-unknown',
    label: 'enable_source unknown id (error path)',
    tool: 'enable_source',
    args: { source: unknownSourceId },
    check: (result) => (result.isError ? null : 'an unknown source id was accepted'),
  },
];
