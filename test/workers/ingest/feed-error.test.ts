import test from 'ava';
import { FEED_ERROR_CODES, FeedError, redactUrl } from '../../../workers/ingest/feed-error.js';

test('redactUrl drops userinfo, query and fragment', (t) => {
  t.is(redactUrl('https://me:pw@feeds.example/a.rss?key=abc#x'), 'https://feeds.example/a.rss?…');
  t.is(redactUrl('https://feeds.example/a.rss'), 'https://feeds.example/a.rss');
  t.is(redactUrl('weird://me:pw@host/p?token=1'), 'weird://host/p?…');
  t.is(redactUrl('not a url?token=1'), 'not a url');
});

test('FeedError keeps a stable code, a redacted URL and survives JSON', (t) => {
  const err = new FeedError('HTTP_STATUS', 'x answered HTTP 404', {
    url: 'https://u:p@h.example/f?s=1', status: 404,
  });
  t.true(err instanceof Error);
  t.true(FEED_ERROR_CODES.includes(err.code));
  t.deepEqual(JSON.parse(JSON.stringify(err)), {
    code: 'HTTP_STATUS', message: 'x answered HTTP 404', url: 'https://h.example/f?…', status: 404,
  });
  t.is(new Set(FEED_ERROR_CODES).size, FEED_ERROR_CODES.length);
});
