// Turns article HTML into searchable plain text, section headings and code blocks. Markup is
// only parsed, never run: script-like elements are dropped with everything inside them.
import { parseDocument } from 'htmlparser2';
import type { CodeBlock } from '../protocol.js';

// domhandler's node types, taken from htmlparser2's own signature so that no transitive
// package is imported by name.
type ChildNode = ReturnType<typeof parseDocument>['children'][number];
type Element = Extract<ChildNode, { attribs: Record<string, string> }>;

export interface HtmlText {
  /** Paragraphs separated by a blank line; code blocks are not included. */
  text: string;
  headings: string[];
  code: CodeBlock[];
}

// Dropped with their whole subtree: executable or invisible content.
const SKIP = new Set([
  'script', 'style', 'iframe', 'noscript', 'template', 'object', 'embed', 'head',
  'svg', 'math', 'canvas', 'form', 'button', 'select', 'textarea', 'video', 'audio',
]);

// Elements that start a new paragraph.
const BLOCK = new Set([
  'p', 'div', 'section', 'article', 'header', 'footer', 'main', 'aside', 'nav',
  'blockquote', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'thead', 'tbody', 'tfoot',
  'tr', 'td', 'th', 'caption', 'figure', 'figcaption', 'hr', 'address', 'details',
  'summary', 'body', 'html',
]);

const HEADING = /^h[1-6]$/;

// Class tokens that name a language without a prefix (highlight.js, Prism, Rouge, WordPress
// plugins). Anything else needs a prefix such as `language-` to count.
const BARE_LANGUAGES = new Set([
  'swift', 'objc', 'objective-c', 'objectivec', 'c', 'cpp', 'c++', 'javascript', 'js',
  'typescript', 'ts', 'python', 'ruby', 'bash', 'shell', 'sh', 'console', 'json', 'xml',
  'html', 'css', 'kotlin', 'java', 'go', 'rust', 'diff', 'yaml', 'sql', 'text', 'plaintext',
]);

const LANGUAGE_PREFIX = /^(?:language|lang|highlight-source|highlight|brush|source)[-:](.+)$/i;

export function htmlToText(html: string): HtmlText {
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseTags: true });
  const out = new TextBuilder();
  const headings: string[] = [];
  const code: CodeBlock[] = [];

  const walk = (nodes: ChildNode[]): void => {
    for (const node of nodes) {
      if (node.type === 'text') {
        out.append(node.data);
        continue;
      }
      if (node.type !== 'tag') continue;
      const el = node as Element;
      const name = el.name;
      if (SKIP.has(name)) continue;
      if (name === 'pre') {
        out.flush();
        code.push({ ...codeBlockOf(el), paragraph: out.paragraphs });
        continue;
      }
      if (name === 'br') {
        out.lineBreak();
        continue;
      }
      if (HEADING.test(name)) {
        out.flush();
        const heading = collapse(textOf(el));
        if (heading) headings.push(heading);
        walk(el.children);
        out.flush();
        continue;
      }
      const block = BLOCK.has(name);
      if (block) out.flush();
      walk(el.children);
      if (block) out.flush();
    }
  };
  walk(doc.children);
  out.flush();
  return { text: out.toString(), headings, code };
}

/** Plain text of a short HTML fragment such as a title: tags dropped, entities decoded. */
export function htmlInlineText(html: string): string {
  return collapse(htmlToText(html).text.replace(/\n+/g, ' '));
}

class TextBuilder {
  #paragraphs: string[] = [];
  #current = '';

  append(text: string): void {
    this.#current += text.replace(/\s+/g, ' ');
  }

  /** Paragraphs completed so far. */
  get paragraphs(): number {
    return this.#paragraphs.length;
  }

  lineBreak(): void {
    this.#current += '\n';
  }

  flush(): void {
    const para = this.#current
      .split('\n')
      .map((line) => line.replace(/ {2,}/g, ' ').trim())
      .filter((line) => line !== '')
      .join('\n');
    if (para) this.#paragraphs.push(para);
    this.#current = '';
  }

  toString(): string {
    return this.#paragraphs.join('\n\n');
  }
}

function codeBlockOf(pre: Element): CodeBlock {
  const source = trimCode(textOf(pre));
  const inner = pre.children.find((c): c is Element => c.type === 'tag' && c.name === 'code');
  const parent = pre.parent?.type === 'tag' ? (pre.parent as Element) : undefined;
  const marked = languageOf(inner) ?? languageOf(pre) ?? languageOf(parent) ?? '';
  if (marked === 'swift') return { language: 'swift', code: source, isSwift: true };
  if (marked && !['text', 'plaintext', 'none', 'plain'].includes(marked)) {
    return { language: marked, code: source, isSwift: false };
  }
  const swift = looksLikeSwift(source);
  return { language: swift ? 'swift' : marked, code: source, isSwift: swift };
}

function languageOf(el: Element | undefined): string | null {
  if (!el) return null;
  const attr = el.attribs['data-lang'] ?? el.attribs['data-language'] ?? el.attribs['lang'];
  if (attr && el.name !== 'div') return attr.trim().toLowerCase();
  for (const token of (el.attribs['class'] ?? '').split(/\s+/)) {
    const prefixed = LANGUAGE_PREFIX.exec(token);
    if (prefixed) return prefixed[1]!.toLowerCase();
    const bare = token.toLowerCase();
    if (BARE_LANGUAGES.has(bare)) return bare;
  }
  return null;
}

// Each pattern is one piece of evidence; two distinct hits make a block Swift. Patterns are
// chosen to be rare in the languages Swift posts also quote (Objective-C, C, shell, JSON).
const SWIFT_SIGNALS: RegExp[] = [
  /\bimport (?:SwiftUI|Foundation|UIKit|AppKit|Combine|Observation|XCTest|Testing)\b/,
  /\bfunc \w+\s*[<(]/,
  /\b(?:let|var) \w+\s*[:=]/,
  /\b(?:struct|class|enum|protocol|extension|actor) \w+[^;\n]*\{/,
  /@(?:State|Binding|Published|Observable|MainActor|ObservedObject|Environment|Reducer|Test)\b/,
  /\bsome (?:View|Reducer|Scene|Sendable)\b/,
  /\b(?:guard|if) (?:let|var) \w+/,
  /\bawait \w/,
  /\basync\b.*(?:->|\{|throws)/,
  /\)\s*(?:async\s*)?(?:throws\s*)?->\s*\w/,
  /\bcase \.\w+/,
];

// Evidence against: other languages that share Swift's keywords.
const NOT_SWIFT = [
  /#include\b/, /@interface\b/, /\bpublic static void\b/, /^\s*def \w+\(/m, /\bfunction \w+\(/,
];

/** Heuristic Swift detector for blocks whose markup names no language. */
export function looksLikeSwift(source: string): boolean {
  if (NOT_SWIFT.some((re) => re.test(source))) return false;
  let hits = 0;
  for (const re of SWIFT_SIGNALS) {
    if (re.test(source) && ++hits >= 2) return true;
  }
  return false;
}

function textOf(node: ChildNode): string {
  if (node.type === 'text') return node.data;
  if (node.type !== 'tag' || SKIP.has((node as Element).name)) return '';
  const el = node as Element;
  const inner = el.children.map(textOf).join('');
  return el.name === 'br' ? '\n' : inner;
}

function trimCode(source: string): string {
  // Keep indentation; drop only blank lines around the block and trailing spaces.
  return source.replace(/^\s*\n/, '').replace(/\s+$/, '').replace(/[ \t]+$/gm, '');
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
