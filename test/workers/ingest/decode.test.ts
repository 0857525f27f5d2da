import test from 'ava';
import { decodeFeed, decodeFeedDetailed } from '../../../workers/ingest/decode.js';
import { FeedError } from '../../../workers/ingest/feed-error.js';
import { parseFeed } from '../../../workers/ingest/parse-feed.js';

const latin1Feed = (encoding: string) => Buffer.concat([
  Buffer.from(`<?xml version="1.0" encoding="${encoding}"?><rss><channel><title>Caf`),
  Buffer.from([0xe9]), // é in ISO-8859-1
  Buffer.from(' '),
  Buffer.from([0x93, 0x71, 0x94]), // “q” in windows-1252
  Buffer.from('</title><item><title>x</title></item></channel></rss>'),
]);

test('the XML declaration encoding is honoured (ISO-8859-1, windows-1252)', (t) => {
  const decoded = decodeFeedDetailed(latin1Feed('ISO-8859-1'));
  t.is(decoded.from, 'prolog');
  t.is(parseFeed(decoded.text).title, 'Café “q”');
  t.is(parseFeed(decodeFeed(latin1Feed('windows-1252'))).title, 'Café “q”');
});

test('a Content-Type charset overrides the declaration', (t) => {
  const bytes = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>', 'utf8');
  t.like(decodeFeedDetailed(bytes, 'application/rss+xml; charset="UTF-8"'), {
    text: '<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>', from: 'content-type',
  });
});

test('invalid UTF-8 bytes become U+FFFD instead of failing', (t) => {
  const bytes = Buffer.concat([Buffer.from('<a>ok '), Buffer.from([0xff, 0xc3]), Buffer.from('</a>')]);
  t.is(decodeFeed(bytes), '<a>ok \ufffd\ufffd</a>');
});

test('a byte order mark decides the encoding and is removed', (t) => {
  const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<rss>é</rss>')]);
  t.like(decodeFeedDetailed(utf8, 'text/xml; charset=iso-8859-1'), {
    text: '<rss>é</rss>', encoding: 'utf-8', from: 'bom',
  });
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<rss>é</rss>', 'utf16le')]);
  t.like(decodeFeedDetailed(utf16), { text: '<rss>é</rss>', encoding: 'utf-16le' });
});

test('an unknown encoding is UNSUPPORTED_ENCODING', (t) => {
  const err = t.throws(() => decodeFeed(latin1Feed('x-klingon-8')), { instanceOf: FeedError });
  t.is(err.code, 'UNSUPPORTED_ENCODING');
  t.regex(err.message, /x-klingon-8/);
  t.is(
    t.throws(() => decodeFeed(Buffer.from('<a/>'), 'text/xml; charset=bogus'), {
      instanceOf: FeedError,
    }).code,
    'UNSUPPORTED_ENCODING',
  );
});
