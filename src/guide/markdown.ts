import { anchorsOf } from './anchors.ts';

/**
 * The Markdown the guide in docs/ is written in, as HTML: headings with GitHub's anchors, paragraphs,
 * lists, tables, fenced code, images, links, `code`, **bold** and *emphasis*. Every character of the text
 * is escaped; links to other guide pages become /docs/… links, to files outside docs/ plain text.
 */
const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const target = (href: string): string | null => {
  if (/^https?:\/\//.test(href)) return href;
  if (href.startsWith('#')) return href;
  const match = /^([a-z0-9-]+)\.md(#[\p{L}\p{N}_-]*)?$/u.exec(href);
  if (match) return `/docs/${match[1] === 'index' ? '' : match[1]}${match[2] ?? ''}`;
  if (/^images\/[a-z0-9-]+\.png$/.test(href)) return `/docs/${href}`;
  return null;
};

const inline = (text: string): string =>
  text
    .split(/(`[^`]+`)/)
    .map((part) => {
      if (part.startsWith('`') && part.endsWith('`') && part.length > 1)
        return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        .replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (_m, alt: string, src: string) => {
          const url = target(src);
          return url ? `<img src="${url}" alt="${alt}" loading="lazy">` : alt;
        })
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, label: string, href: string) => {
          const url = target(href.replace(/&amp;/g, '&'));
          if (!url) return label;
          return url.startsWith('http')
            ? `<a href="${url}" rel="noreferrer">${label}</a>`
            : `<a href="${url}">${label}</a>`;
        })
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, '$1<em>$2</em>');
    })
    .join('');

const cells = (row: string): string[] =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

export const renderMarkdown = (markdown: string): string => {
  const anchors = anchorsOf(markdown);
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let heading = 0;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.startsWith('```')) {
      const code: string[] = [];
      i += 1;
      while (i < lines.length && !lines[i]!.startsWith('```')) code.push(lines[i++]!);
      i += 1;
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    const h = /^(#{1,6}) (.+)$/.exec(line);
    if (h) {
      const level = h[1]!.length;
      out.push(`<h${level} id="${anchors[heading++]}">${inline(h[2]!)}</h${level}>`);
      i += 1;
      continue;
    }
    if (line.startsWith('|')) {
      const rows: string[] = [];
      while (i < lines.length && lines[i]!.startsWith('|')) rows.push(lines[i++]!);
      const [head, , ...body] = rows;
      out.push(
        `<table><thead><tr>${cells(head!)
          .map((c) => `<th>${inline(c)}</th>`)
          .join('')}</tr></thead><tbody>${body
          .map(
            (r) =>
              `<tr>${cells(r)
                .map((c) => `<td>${inline(c)}</td>`)
                .join('')}</tr>`,
          )
          .join('')}</tbody></table>`,
      );
      continue;
    }
    const item = /^(\d+\.|-) (.*)$/.exec(line);
    if (item) {
      const ordered = item[1] !== '-';
      const items: string[] = [];
      while (i < lines.length) {
        const next = /^(\d+\.|-) (.*)$/.exec(lines[i]!);
        if (next) items.push(next[2]!);
        else if (/^\s+\S/.test(lines[i]!) && items.length > 0)
          items[items.length - 1] += ` ${lines[i]!.trim()}`;
        else if (lines[i]!.trim() === '' && /^(\s+\S|\d+\.|-) /.test(lines[i + 1] ?? '')) {
          // A blank line between items of one list.
        } else break;
        i += 1;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((t) => `<li>${inline(t)}</li>`).join('')}</${tag}>`);
      continue;
    }
    if (line.trim() === '') {
      i += 1;
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && !/^(#{1,6} |```|\||(\d+\.|-) )/.test(lines[i]!))
      paragraph.push(lines[i++]!.trim());
    out.push(`<p>${inline(paragraph.join(' '))}</p>`);
  }
  return out.join('\n');
};
