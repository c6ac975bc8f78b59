import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The repository root. */
export const ROOT = join(__dirname, '../..');

/** The documentation the tests hold to account: README.md and every page of docs/ (not the generated docs/api/). */
export function docFiles(): string[] {
  const pages = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join(ROOT, 'docs', name));
  return [join(ROOT, 'README.md'), ...pages];
}

/** A path relative to the repository root, with forward slashes, for messages. */
export function repoPath(file: string): string {
  return relative(ROOT, file).split('\\').join('/');
}

/** One fenced code block. */
export interface CodeBlock {
  /** The info string's first word, lower-cased (`ts`, `bash`, ...); `''` when none. */
  lang: string;
  /** The whole info string. */
  info: string;
  /** 1-based line of the block's first content line in the Markdown file. */
  line: number;
  /** The content, its fence's indentation removed. */
  code: string;
  /** Columns of indentation removed from each line (the fence's, inside a list item). */
  indent: number;
  /** The last non-blank line before the opening fence (where a `<!-- snippet: skip -->` marker goes). */
  before: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;

/** Splits a Markdown file into fenced code blocks and the prose lines outside them. */
export function parseMarkdown(text: string): { blocks: CodeBlock[]; prose: { line: number; text: string }[] } {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  const prose: { line: number; text: string }[] = [];
  let lastNonBlank = '';
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open || (open[2][0] === '`' && open[3].includes('`'))) {
      prose.push({ line: i + 1, text: lines[i] });
      if (lines[i].trim()) lastNonBlank = lines[i].trim();
      continue;
    }
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = FENCE.exec(lines[j]);
      if (close && close[2][0] === fence[0] && close[2].length >= fence.length && !close[3].trim()) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    blocks.push({
      lang: (info.trim().split(/\s+/)[0] ?? '').toLowerCase(),
      info: info.trim(),
      line: i + 2,
      code: body.join('\n'),
      indent: indent.length,
      before: lastNonBlank,
    });
    lastNonBlank = '';
    i = j;
  }
  return { blocks, prose };
}

/** Removes inline code spans, so that links and headings inside them are not read as such. */
export function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)(?:(?!\1).)+?\1/g, (span) => ' '.repeat(span.length));
}

/**
 * The anchors GitHub gives a page's headings: the heading's text lower-cased,
 * punctuation dropped, spaces turned into `-`, and `-1`, `-2`, ... appended
 * to repeats; plus explicit `<a id>` / `<a name>` anchors.
 */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: line } of parseMarkdown(text).prose) {
    for (const match of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]);
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count ? `${base}-${count}` : base);
  }
  return anchors;
}

function slug(heading: string): string {
  const textOnly = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/`/g, '')
    .replace(/(\*\*|__|\*)/g, '');
  return textOnly
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** A link in a page's prose. */
export interface MarkdownLink {
  line: number;
  target: string;
}

/** Inline links and images (`[text](target)`) and reference definitions (`[id]: target`) outside code. */
export function linksOf(text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { line, text: raw } of parseMarkdown(text).prose) {
    const prose = withoutCodeSpans(raw);
    for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      links.push({ line, target: match[1] });
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(prose);
    if (definition) links.push({ line, target: definition[1] });
  }
  return links;
}

/** Reads a file as UTF-8. */
export function read(file: string): string {
  return readFileSync(file, 'utf8');
}
