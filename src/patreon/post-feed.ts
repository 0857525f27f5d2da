// Patreon posts in the shape the feed parsers produce (RawItem), so the same normalizer
// (HTML to text, code blocks kept apart, quality) turns them into PatternRecords.
import type { RawItem } from '../../workers/ingest/parse-feed.js';
import type { PatreonPost } from './api-client.js';

export function patreonPostsToFeed(posts: readonly PatreonPost[]): RawItem[] {
  return posts.map((post) => {
    const date = post.publishedAt === null ? null : new Date(post.publishedAt);
    return {
      // Post ids are unique across Patreon, so the guid is stable across campaigns.
      guid: `patreon:post:${post.id}`,
      title: post.title,
      link: post.url,
      date: date !== null && !Number.isNaN(date.getTime()) ? date : null,
      authors: post.campaignName ? [post.campaignName] : [],
      tags: ['patreon'],
      summaryHtml: '',
      contentHtml: post.html,
    };
  });
}
