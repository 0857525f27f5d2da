// Turns worker results into what an assistant reads: a compact text answer, one
// resource link per result, and the same data as structured content.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { SourceRegistry } from '../sources/source-registry.js';
import type { SearchResult } from '../../workers/protocol.js';
import type { ResultItem } from './schemas.js';

export function patternUri(source: string, id: string): string {
  return `swiftpatterns://pattern/${encodeURIComponent(source)}/${encodeURIComponent(id)}`;
}

function toResultItems(result: SearchResult, registry: SourceRegistry): ResultItem[] {
  return result.hits.map((hit) => {
    const state = registry.get(hit.source);
    return {
      title: hit.title,
      url: hit.url,
      source: hit.source,
      sourceName: state?.config.name ?? hit.source,
      score: hit.score,
      quality: hit.quality,
      date: hit.date,
      fetchedAt: state?.snapshot?.fetchedAt ?? null,
      hasCode: hit.hasCode,
      tags: hit.tags,
      snippet: hit.snippet,
      // Only the declared fields: the output schema is strict, the worker's block has more.
      code: hit.code && { language: hit.code.language, code: hit.code.code, isSwift: hit.code.isSwift },
      resourceUri: patternUri(hit.source, hit.id),
    };
  });
}

/** The answer of a search tool for one worker result. */
export function renderSearch(
  heading: string,
  query: string,
  result: SearchResult,
  registry: SourceRegistry,
): CallToolResult {
  const items = toResultItems(result, registry);
  const { total, corpusSize: searched } = result;
  const stale = result.stale === true;
  const lines: string[] = [];
  if (items.length === 0) {
    lines.push(
      `${heading}: nothing matched "${query}" in ${searched} articles. ` +
        'Try fewer or broader words, drop filters, or check list_content_sources.',
    );
  } else {
    lines.push(`${heading}: ${items.length} of ${total} matches for "${query}" (${searched} searched).`);
  }
  if (stale) {
    lines.push('(Sources changed moments ago and are being re-indexed: newest articles may be missing.)');
  }
  // Named, so the reader knows which articles are missing from this answer and why.
  for (const id of result.unavailable ?? []) {
    lines.push(`(${id} was left out: its stored copy is unreadable and is being fetched again.)`);
  }
  items.forEach((item, i) => {
    const date = item.date ? item.date.slice(0, 10) : 'undated';
    const fetched = item.fetchedAt ? `, fetched ${item.fetchedAt.slice(0, 16)}Z` : '';
    lines.push(
      '',
      `${i + 1}. ${item.title}`,
      `   ${item.sourceName} · ${date} · score ${item.score} · quality ${item.quality}${fetched}`,
      `   ${item.url}`,
    );
    if (item.snippet) lines.push(`   ${item.snippet}`);
    if (item.code) {
      lines.push('   ```' + (item.code.isSwift ? 'swift' : item.code.language), item.code.code, '   ```');
    }
    lines.push(`   Full text: ${item.resourceUri}`);
  });
  return {
    content: [
      { type: 'text', text: lines.join('\n') },
      ...items.map((item) => ({
        type: 'resource_link' as const,
        uri: item.resourceUri,
        name: item.title,
        mimeType: 'text/markdown',
        description: `${item.sourceName}: ${item.snippet.slice(0, 160)}`,
      })),
    ],
    structuredContent: { query, total, searched, stale, results: items },
  };
}
