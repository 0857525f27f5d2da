// Every pattern is an MCP resource holding its full text and code blocks, so search
// results stay small and the assistant reads one article in full only when it needs to.
import { ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { quoteForError } from '../errors.js';
import { patternUri } from './render.js';
import type {
  CodeBlock, ListResult, PatternRecord, ReadResult,
} from '../../workers/protocol.js';
import type { App } from './app.js';

/** resources/list shows the newest patterns; every other one is still readable by URI. */
const LISTED_PATTERNS = 200;

/**
 * The whole article as Markdown: its paragraphs with section headings marked, and each
 * code block back where it stood. Blocks whose place is unknown (older snapshots, or past
 * the text's size bound) follow at the end.
 */
export function renderPattern(record: PatternRecord, sourceName: string, fetchedAt: string | null) {
  const lines = [
    `# ${record.title}`,
    '',
    `Source: ${sourceName} · ${record.date ? record.date.slice(0, 10) : 'undated'}` +
      (fetchedAt ? ` · fetched ${fetchedAt}` : ''),
    `URL: ${record.url}`,
  ];
  if (record.authors.length) lines.push(`Authors: ${record.authors.join(', ')}`);
  if (record.tags.length) lines.push(`Tags: ${record.tags.join(', ')}`);
  lines.push(`Quality: ${record.quality}`);

  const fence = (block: CodeBlock) =>
    ['', '```' + (block.isSwift ? 'swift' : block.language), block.code, '```'];
  const paragraphs = record.text === '' ? [] : record.text.split('\n\n');
  const placed = new Map<number, CodeBlock[]>();
  const rest: CodeBlock[] = [];
  for (const block of record.code) {
    const at = block.paragraph;
    if (at === undefined || at > paragraphs.length) rest.push(block);
    else placed.set(at, [...(placed.get(at) ?? []), block]);
  }
  // Headings are paragraphs of their own, in document order.
  let nextHeading = 0;
  paragraphs.forEach((paragraph, i) => {
    for (const block of placed.get(i) ?? []) lines.push(...fence(block));
    if (paragraph === record.headings[nextHeading]) {
      nextHeading += 1;
      lines.push('', `## ${paragraph}`);
    } else {
      lines.push('', paragraph);
    }
  });
  for (const block of placed.get(paragraphs.length) ?? []) lines.push(...fence(block));
  if (rest.length) {
    lines.push('', '## Code examples');
    for (const block of rest) lines.push(...fence(block));
  }
  return lines.join('\n');
}

export function registerResources(app: App): void {
  const { mcp, registry, pool, settings } = app;
  const template = new ResourceTemplate('swiftpatterns://pattern/{source}/{id}', {
    list: async () => {
      const sources = registry.enabled().filter((s) => s.snapshot).map((s) => s.config.id);
      const { items } = await pool.run<ListResult>(
        { kind: 'list', home: settings.home, sources, limit: LISTED_PATTERNS },
        { deadlineMs: settings.toolTimeoutMs },
      );
      return {
        resources: items.map((item) => ({
          uri: patternUri(item.source, item.id),
          name: item.title,
          mimeType: 'text/markdown',
        })),
      };
    },
  });

  mcp.registerResource(
    'pattern',
    template,
    {
      title: 'Swift pattern article',
      description: 'The full text and code examples of one article',
      mimeType: 'text/markdown',
    },
    async (uri, variables) => {
      const source = decodePart(variables.source);
      const id = decodePart(variables.id);
      const state = registry.get(source);
      if (!state) {
        throw new McpError(ErrorCode.InvalidParams, `unknown source ${quoteForError(source)}`);
      }
      const { record, fetchedAt } = await pool.run<ReadResult>(
        { kind: 'read', home: settings.home, source, id },
        { deadlineMs: settings.toolTimeoutMs },
      );
      if (!record) {
        throw new McpError(
          ErrorCode.InvalidParams,
          `no pattern ${quoteForError(id)} in source ${quoteForError(source)}`,
        );
      }
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: 'text/markdown',
            text: renderPattern(record, state.config.name, fetchedAt),
          },
        ],
      };
    },
  );
}

/** A URI template variable, percent-decoded; a malformed escape is the client's error. */
function decodePart(value: string | string[] | undefined): string {
  const raw = String(value);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new McpError(
      ErrorCode.InvalidParams,
      `malformed percent-escape in ${quoteForError(raw)}`,
    );
  }
}
