import test from 'ava';
import { htmlInlineText, htmlToText, looksLikeSwift } from '../../../workers/ingest/html-to-text.js';

test('paragraphs, headings and inline code stay in the text; pre blocks go to code', (t) => {
  const out = htmlToText(`<h2>Using   &amp; testing</h2>
<p>Call <code>send(.tap)</code> from the
view.</p><p>Second<br>line</p>
<pre><code class="language-swift">struct Feature {
  var count = 0
}</code></pre>
<ul><li>one</li><li>two &lt;3</li></ul>`);
  t.is(out.text, 'Using & testing\n\nCall send(.tap) from the view.\n\nSecond\nline\n\none\n\ntwo <3');
  t.deepEqual(out.headings, ['Using & testing']);
  t.deepEqual(out.code, [
    // It followed three paragraphs: the heading, "Call ...", "Second line".
    { language: 'swift', code: 'struct Feature {\n  var count = 0\n}', isSwift: true, paragraph: 3 },
  ]);
  t.false(out.text.includes('struct Feature'));
});

test('script, style, iframe and noscript content never reaches the text', (t) => {
  const out = htmlToText(`<p>Before</p><script>alert("pwned")</script>
<style>p { color: red }</style><iframe src="https://x.example">frame text</iframe>
<noscript>enable js</noscript><p>After<script type="module">import x</script></p>`);
  t.is(out.text, 'Before\n\nAfter');
  for (const word of ['alert', 'pwned', 'color', 'frame text', 'enable js', 'import']) {
    t.false(out.text.includes(word), word);
  }
});

test('language comes from class names and data attributes', (t) => {
  const lang = (html: string) => htmlToText(html).code[0]!;
  t.like(lang('<pre class="lang-swift">x</pre>'), { language: 'swift', isSwift: true });
  t.like(lang('<pre><code class="hljs swift">x</code></pre>'), { language: 'swift', isSwift: true });
  t.like(lang('<div class="highlight highlight-source-swift"><pre>x</pre></div>'), {
    language: 'swift', isSwift: true,
  });
  t.like(lang('<pre data-lang="Swift">x</pre>'), { language: 'swift', isSwift: true });
  t.like(lang('<pre><code class="language-objc">let x = 1; func y()</code></pre>'), {
    language: 'objc', isSwift: false,
  });
  t.like(lang('<pre><code class="language-Swift">x</code></pre>'), { language: 'swift' });
});

test('unmarked blocks are detected as Swift by their keywords', (t) => {
  const [swiftUi, plain, shell] = htmlToText(`
<pre>import SwiftUI

struct ContentView: View {
  @State private var name = ""
  var body: some View { Text(name) }
}</pre>
<pre>guard let user = try await api.load() else { return }</pre>
<pre>$ swift build -c release
$ ls .build</pre>`).code;
  t.like(swiftUi, { language: 'swift', isSwift: true });
  t.like(plain, { language: 'swift', isSwift: true });
  t.like(shell, { language: '', isSwift: false });
  t.true(looksLikeSwift('actor Counter {\n  func increment() async {}\n}'));
  t.false(looksLikeSwift('function add(a, b) { let x = a; return x + b; }'));
  t.false(looksLikeSwift('#include <stdio.h>\nint main() { return 0; }'));
});

test('entities are decoded and whitespace collapsed in inline text', (t) => {
  // A no-break space counts as whitespace and collapses like one.
  const html = '  A&nbsp;<b>bold</b> &#8220;quote&#8221;\n\n  &hellip; ';
  t.is(htmlInlineText(html), 'A bold “quote” …');
});
