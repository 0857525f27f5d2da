// The default sources: real Swift content feeds. A config file's `sources` replaces this.
import type { SourceConfig } from './config.js';

export const defaultCatalog: readonly SourceConfig[] = Object.freeze([
  { id: 'swift-by-sundell', name: 'Swift by Sundell', url: 'https://www.swiftbysundell.com/rss' },
  { id: 'swiftlee', name: 'SwiftLee', url: 'https://www.avanderlee.com/feed/' },
  { id: 'nil-coalescing', name: 'Nil Coalescing', url: 'https://nilcoalescing.com/feed.rss' },
  {
    id: 'point-free',
    name: 'Point-Free blog',
    url: 'https://www.pointfree.co/blog/feed/atom.xml',
  },
  { id: 'swift-org', name: 'Swift.org blog', url: 'https://www.swift.org/atom.xml' },
]);
