// Reads an OPML subscription list (as exported by feed readers) into feed URLs and titles.
// Folders are nested outlines; only outlines with an xmlUrl are feeds.
import { XMLParser } from 'fast-xml-parser';
import { decodeTextEntities } from '../workers/ingest/xml-text.js';

export interface OpmlEntry {
  title: string;
  url: string;
}

type Node = { [key: string]: unknown };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  parseTagValue: false,
  // Entities are decoded per attribute below; a DOCTYPE's own entities are never expanded.
  processEntities: false,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && name === 'outline',
  maxNestedTags: 200,
});

/** Feeds in document order, each URL once; throws a plain Error on malformed XML. */
export function parseOpml(xml: string): OpmlEntry[] {
  const doc = parser.parse(xml.replace(/^\ufeff/, '')) as Node;
  const opml = doc['opml'];
  if (!isNode(opml)) throw new Error('not an OPML document: no <opml> element');
  const body = opml['body'];

  const entries: OpmlEntry[] = [];
  const seen = new Set<string>();
  const visit = (outlines: unknown): void => {
    if (!Array.isArray(outlines)) return;
    for (const outline of outlines) {
      if (!isNode(outline)) continue;
      const url = attr(outline, 'xmlUrl') || attr(outline, 'xmlurl');
      if (url && !seen.has(url)) {
        seen.add(url);
        entries.push({ title: attr(outline, 'title') || attr(outline, 'text') || url, url });
      }
      visit(outline['outline']);
    }
  };
  if (isNode(body)) visit(body['outline']);
  return entries;
}

function attr(node: Node, name: string): string {
  const value = node['@_' + name];
  return typeof value === 'string' ? decodeTextEntities(value).trim() : '';
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
