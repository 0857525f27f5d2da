import test from 'ava';
import { processSwiftTerm, swiftTerms, tokenizeSwift } from '../../workers/search/tokenize.js';

function has(t: { true: (v: boolean, m?: string) => void }, terms: string[], ...want: string[]) {
  for (const w of want) t.true(terms.includes(w), `${w} in ${JSON.stringify(terms)}`);
}

test('attributes and macros keep their sigil and also index the bare name', (t) => {
  has(t, swiftTerms('@State private var count = 0'), '@state', 'state', 'private', 'var', 'count');
  has(t, swiftTerms('@MainActor final class Model'), '@mainactor', 'mainactor', 'main', 'actor');
  has(t, swiftTerms('@Observable class Store {}'), '@observable', 'observable');
  has(t, swiftTerms('#Preview { ContentView() }'), '#preview', 'preview', 'contentview');
});

test('`some View` yields a phrase token plus both words', (t) => {
  const terms = swiftTerms('var body: some View {');
  has(t, terms, 'some_view', 'some', 'view', 'body');
  has(t, swiftTerms('func f(_ x: any Sendable)'), 'any_sendable', 'any', 'sendable');
  // Only directly followed by a type name.
  t.false(swiftTerms('some\nView').includes('some_view'));
  t.false(swiftTerms('some views').includes('some_views'));
});

test('Swift keywords survive, English stop words do not', (t) => {
  const terms = swiftTerms('func load(into value: inout Int) async throws -> some Sendable');
  has(t, terms, 'func', 'load', 'inout', 'int', 'async', 'throws', 'some', 'sendable');
  has(t, swiftTerms('actor Counter { let x = await fetch() }'), 'actor', 'counter', 'let',
    'await', 'fetch');
  const prose = swiftTerms('The state of the art is that we have it all');
  t.deepEqual(prose, ['state', 'art']);
});

test('camelCase identifiers are indexed whole and in parts', (t) => {
  t.deepEqual(swiftTerms('NavigationStack'), ['navigationstack', 'navigation', 'stack']);
  t.deepEqual(swiftTerms('URLSessionTask'), ['urlsessiontask', 'url', 'session', 'task']);
  has(t, swiftTerms('isHapticsEnabled'), 'ishapticsenabled', 'haptics', 'enabled');
  has(t, swiftTerms('make_http2_request'), 'make_http2_request', 'make', 'http2', 'request');
  t.false(swiftTerms('isHapticsEnabled').includes('is'), 'stop-word parts are dropped');
});

test('proposal ids keep the full id and the number', (t) => {
  t.deepEqual(swiftTerms('SE-0296: Async/await'), ['se-0296', '0296', 'async', 'await']);
  t.deepEqual(processSwiftTerm('se-0401'), ['se-0401', '0401']);
});

test('everything is lowercased; single letters and bare underscores are dropped', (t) => {
  t.deepEqual(swiftTerms('func f(_ x: T)'), ['func']);
  t.deepEqual(swiftTerms('Swift 5.9 AND Concurrency'), ['swift', '5.9', 'concurrency']);
});

test('queries go through the same processing as documents', (t) => {
  const doc = swiftTerms('struct Feature { @State var path = NavigationStack() }');
  for (const term of swiftTerms('@State NavigationStack')) t.true(doc.includes(term), term);
  t.deepEqual(tokenizeSwift('how to use @MainActor'), ['how', 'to', 'use', '@MainActor']);
});
