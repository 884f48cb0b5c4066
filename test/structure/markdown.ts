import * as fs from 'node:fs';

/**
 * What the docs tests need of a Markdown file: its headings as the anchors GitHub gives them,
 * and its links. Hand-written rather than a Markdown library (none is a dependency): the
 * files are our own and line-oriented, so fenced code blocks are skipped, code spans are
 * blanked (a `[x](y)` inside backticks is text, not a link), and a link is `[text](target)` or
 * `![alt](target)` on one line.
 */
export interface MarkdownLink {
  target: string;
  line: number;
}

export interface MarkdownDoc {
  /** The file's lines outside fenced code blocks, with code spans blanked (same line numbers). */
  prose: string[];
  /** Every heading's anchor, in order, duplicates numbered as GitHub does (`x`, `x-1`, `x-2`). */
  anchors: string[];
  links: MarkdownLink[];
}

export function readMarkdown(file: string): MarkdownDoc {
  return parseMarkdown(fs.readFileSync(file, 'utf8'));
}

export function parseMarkdown(text: string): MarkdownDoc {
  const prose: string[] = [];
  const anchors: string[] = [];
  const links: MarkdownLink[] = [];
  const seen = new Map<string, number>();
  let fence: string | undefined;
  text.split('\n').forEach((raw, i) => {
    const f = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (f && (!fence || f[1].startsWith(fence))) {
      fence = fence ? undefined : f[1];
      prose.push('');
      return;
    }
    if (fence) {
      prose.push('');
      return;
    }
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (h) {
      const base = slug(h[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.push(n ? `${base}-${n}` : base);
    }
    const line = raw.replace(/(`+)[^`]*?\1/g, (m) => ' '.repeat(m.length));
    prose.push(line);
    for (const m of line.matchAll(/!?\[(?:[^[\]]|\[[^\]]*\])*\]\(([^()\s]+)(?:\s+"[^"]*")?\)/g)) links.push({ target: m[1], line: i + 1 });
  });
  return { prose, anchors, links };
}

/**
 * The anchor GitHub makes of a heading (github-slugger's rule): the heading's text as rendered
 * (code spans and links reduced to their text), lower-cased, every character but letters,
 * digits, `_`, `-` and spaces dropped, spaces turned into `-`.
 */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1');
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}
