import escapeHtml from 'escape-html';
/**
 * One email's content, from which both parts are made: a person writes one template (its text),
 * npsloop adds what the reader needs around it, and the text and HTML parts say the same.
 */
export interface EmailContent {
  /** A line above the message saying why this reaches the reader now (a reassignment, an escalation). */
  lead?: string;
  /**
   * The journey template's text, filled in. Blank lines separate paragraphs; a line that is only a
   * URL is a link on its own (a button in HTML, named by `links` when it has a name there); lines
   * indented by two spaces are set in a fixed-width font, so columns written in text stay aligned.
   */
  message: string;
  /** Named links: a URL standing alone in the message shows as a button with this label. */
  links?: { url: string; label: string }[];
  /** Label and value rows, such as a task's score, comment and due time. */
  facts?: { label: string; value: string }[];
  /** A short list under a heading, such as a user's recent answers. */
  list?: { heading: string; items: string[] };
  /** The main thing to do, after the facts. */
  action?: { url: string; label: string };
  /** Small print at the end, such as how to unsubscribe; a URL alone on a line becomes a link. */
  footer?: string[];
}

export interface RenderedEmail {
  text: string;
  html: string;
}

const URL_LINE = /^https?:\/\/\S+$/;
const URL_IN_TEXT = /https?:\/\/[^\s<>"]+/g;

export function renderEmail(content: EmailContent): RenderedEmail {
  return { text: textPart(content), html: htmlPart(content) };
}

function textPart(content: EmailContent): string {
  const blocks: string[] = [];
  if (content.lead) blocks.push(content.lead);
  blocks.push(content.message.trim());
  if (content.facts?.length) {
    const width = Math.max(...content.facts.map((fact) => fact.label.length));
    blocks.push(content.facts.map((fact) => `${`${fact.label}:`.padEnd(width + 2)}${fact.value}`).join('\n'));
  }
  if (content.list?.items.length) blocks.push([`${content.list.heading}:`, ...content.list.items.map((item) => `- ${item}`)].join('\n'));
  if (content.action) blocks.push(`${content.action.label}: ${content.action.url}`);
  if (content.footer?.length) blocks.push(['--', ...content.footer].join('\n'));
  return `${blocks.join('\n\n')}\n`;
}

function htmlPart(content: EmailContent): string {
  const labelOf = new Map((content.links ?? []).map((link) => [link.url, link.label]));
  const parts: string[] = [];
  if (content.lead) parts.push(`<p style="margin:0 0 16px;padding:10px 12px;background:#fff4e5;border-left:4px solid #f08c00">${escapeHtml(content.lead)}</p>`);
  for (const paragraph of content.message.trim().split(/\n\s*\n/)) {
    const line = paragraph.trim();
    if (URL_LINE.test(line)) parts.push(button(line, labelOf.get(line) ?? line));
    else parts.push(...paragraphHtml(paragraph.replace(/^\n+|\s+$/g, '')));
  }
  if (content.facts?.length) {
    const rows = content.facts
      .map((fact) => `<tr><th align="left" valign="top" style="padding:4px 16px 4px 0;color:#555;font-weight:normal;white-space:nowrap">${escapeHtml(fact.label)}</th><td style="padding:4px 0">${linkified(fact.value).replaceAll('\n', '<br>')}</td></tr>`)
      .join('');
    parts.push(`<table role="presentation" style="margin:0 0 16px;border-collapse:collapse">${rows}</table>`);
  }
  if (content.list?.items.length) {
    parts.push(`<p style="margin:0 0 4px;color:#555">${escapeHtml(content.list.heading)}</p>`);
    parts.push(`<ul style="margin:0 0 16px;padding-left:20px">${content.list.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`);
  }
  if (content.action) parts.push(button(content.action.url, content.action.label));
  if (content.footer?.length) {
    parts.push(`<p style="margin:24px 0 0;color:#777;font-size:12px">${content.footer.map((line) => linkified(line)).join('<br>')}</p>`);
  }
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="margin:0;padding:24px;background:#f6f6f6">',
    '<div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1a1a1a">',
    ...parts,
    '</div></body></html>',
    '',
  ].join('\n');
}

/** A paragraph's plain lines as text, its indented lines (a table, a list written in text) fixed-width. */
function paragraphHtml(paragraph: string): string[] {
  const runs: { indented: boolean; lines: string[] }[] = [];
  for (const line of paragraph.split('\n')) {
    const indented = line.startsWith('  ');
    if (runs.at(-1)?.indented === indented) runs.at(-1)!.lines.push(line);
    else runs.push({ indented, lines: [line] });
  }
  return runs.map(({ indented, lines }) =>
    indented
      ? `<pre style="margin:0 0 16px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;white-space:pre-wrap">${lines.map((line) => linkified(line)).join('\n')}</pre>`
      : `<p style="margin:0 0 16px">${lines.map((line) => linkified(line.trim())).join('<br>')}</p>`,
  );
}

function button(url: string, label: string): string {
  return `<p style="margin:0 0 16px"><a href="${escapeHtml(url)}" style="display:inline-block;padding:10px 18px;background:#1864ab;color:#ffffff;text-decoration:none;border-radius:4px">${escapeHtml(label)}</a></p>`;
}

/** The text escaped, with its URLs as links. */
function linkified(text: string): string {
  let html = '';
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    html += escapeHtml(text.slice(last, match.index));
    html += `<a href="${escapeHtml(match[0])}">${escapeHtml(match[0])}</a>`;
    last = match.index + match[0].length;
  }
  return html + escapeHtml(text.slice(last));
}
