/**
 * A small, safe formatting language for messages: fenced code blocks, `> quote` lines,
 * `inline code`, **bold**, *italic* / _italic_, ~~strike~~, `[text](url)` and bare http(s) links.
 * The output is a tree of plain data that a renderer turns into elements with text content only,
 * so no input can ever become HTML. Scanning is linear per marker, nesting is bounded, and
 * anything unclosed stays as typed.
 */
export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'bold'; children: Inline[] }
  | { type: 'italic'; children: Inline[] }
  | { type: 'strike'; children: Inline[] }
  | { type: 'link'; href: string; text: string }
  | LabelledLink;

/**
 * `[text](https://…)`. The text can say anything, so the renderer shows `host` (the URL's real
 * host, IDN in punycode, port included) beside it; `claimedHost` is set when the text itself
 * names another host (`[good.com](https://evil.com)`), for a louder warning.
 */
export interface LabelledLink {
  type: 'labelled_link';
  href: string;
  host: string;
  children: Inline[];
  claimedHost?: string;
}

export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'quote'; children: Inline[] }
  | { type: 'code_block'; text: string; language?: string };

const MAX_DEPTH = 3;
const FENCE = '```';
const LINK_START = /https?:\/\//iy;
/** Characters that end a link (whitespace, quotes, angle brackets). */
const LINK_STOP = /[\s<>"'`]/u;
/** Trailing punctuation that belongs to the sentence, not the link. */
const TRAILING_PUNCTUATION = '.,;:!?*_';
/** A quote line: `> text`, or `>` alone (a blank line inside a quote). `>text` stays text. */
const QUOTE_LINE = /^>(?: |$)/u;
/** A labelled link's target must spell its scheme out (`https:evil.com` also parses). */
const LABELLED_HREF = /^https?:\/\//iu;

/** Splits a message into paragraphs and fenced code blocks. */
export function formatMessage(text: string): Block[] {
  const blocks: Block[] = [];
  let rest = text;
  while (rest.length > 0) {
    const open = findFence(rest, 0);
    if (open === -1) {
      pushParagraph(blocks, rest);
      break;
    }
    const lineEnd = rest.indexOf('\n', open + FENCE.length);
    const close = lineEnd === -1 ? -1 : findFence(rest, lineEnd + 1);
    if (close === -1) {
      // Unclosed fence: as typed.
      pushParagraph(blocks, rest);
      break;
    }
    pushParagraph(blocks, rest.slice(0, open));
    const language = rest.slice(open + FENCE.length, lineEnd).trim();
    const body = rest.slice(lineEnd + 1, close).replace(/\n$/u, '');
    blocks.push(
      /^[\w+#.-]{1,20}$/u.test(language)
        ? { type: 'code_block', text: body, language }
        : { type: 'code_block', text: body },
    );
    const after = close + FENCE.length;
    rest = rest.slice(rest[after] === '\n' ? after + 1 : after);
  }
  return blocks;
}

/** A fence is ``` at the start of a line. */
function findFence(text: string, from: number): number {
  let index = text.indexOf(FENCE, from);
  while (index !== -1 && index > 0 && text[index - 1] !== '\n') {
    index = text.indexOf(FENCE, index + 1);
  }
  return index;
}

/** Text between code blocks: runs of `> ` lines are quotes, the other runs paragraphs. */
function pushParagraph(blocks: Block[], text: string): void {
  let run: string[] = [];
  let quoting = false;
  const flush = () => {
    if (quoting) {
      pushQuote(blocks, run);
    } else {
      pushPlain(blocks, run.join('\n'));
    }
    run = [];
  };
  for (const line of text.split('\n')) {
    const quoted = QUOTE_LINE.test(line);
    if (quoted !== quoting && run.length > 0) {
      flush();
    }
    quoting = quoted;
    run.push(line);
  }
  flush();
}

function pushPlain(blocks: Block[], text: string): void {
  const trimmed = trimNewlines(text);
  if (trimmed.length > 0) {
    blocks.push({ type: 'paragraph', children: formatInline(trimmed) });
  }
}

/** One level only: `> > x` quotes `> x` as text. A quote of nothing stays as typed. */
function pushQuote(blocks: Block[], lines: string[]): void {
  const body = trimNewlines(lines.map((line) => line.slice(line[1] === ' ' ? 2 : 1)).join('\n'));
  if (body.trim().length === 0) {
    pushPlain(blocks, lines.join('\n'));
  } else {
    blocks.push({ type: 'quote', children: formatInline(body) });
  }
}

function trimNewlines(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text[start] === '\n') {
    start++;
  }
  while (end > start && text[end - 1] === '\n') {
    end--;
  }
  return text.slice(start, end);
}

/** Inline formatting of one paragraph (line breaks stay in the text). */
export function formatInline(text: string, depth = 0): Inline[] {
  return scanInline(text, depth, true);
}

/** `links` is false inside a link's text: a link cannot hold another. */
function scanInline(text: string, depth: number, links: boolean): Inline[] {
  const out: Inline[] = [];
  let plain = '';
  const flush = () => {
    if (plain) {
      out.push({ type: 'text', text: plain });
      plain = '';
    }
  };
  // Where the run of link characters around `i` ends, kept while `i` is inside it: a run with many
  // link starts that are not URLs (`(http://(http://…`) is scanned once, not once per start.
  let linkStop = -1;
  // The last closing marker found for `*` / `_` and where its search began: `i` only grows, so a
  // later search from inside the same span has the same answer (`_a__a__a_…` was quadratic).
  const closers = new Map<string, { from: number; end: number }>();
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i + 1) {
        flush();
        out.push({ type: 'code', text: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    } else if (char === '*' && text[i + 1] === '*' && depth < MAX_DEPTH) {
      const end = text.indexOf('**', i + 2);
      if (end > i + 2 && !/\s/u.test(text[i + 2] ?? '') && !/\s/u.test(text[end - 1] ?? '')) {
        flush();
        out.push({ type: 'bold', children: scanInline(text.slice(i + 2, end), depth + 1, links) });
        i = end + 2;
        continue;
      }
    } else if (char === '~' && text[i + 1] === '~' && depth < MAX_DEPTH) {
      // As bold: the nearest `~~` closes, and neither end hugs a space (`~~ 5 ~~` stays text).
      const end = text.indexOf('~~', i + 2);
      if (end > i + 2 && !/\s/u.test(text[i + 2] ?? '') && !/\s/u.test(text[end - 1] ?? '')) {
        flush();
        out.push({
          type: 'strike',
          children: scanInline(text.slice(i + 2, end), depth + 1, links),
        });
        i = end + 2;
        continue;
      }
    } else if (char === '[' && links && depth < MAX_DEPTH) {
      const link = labelledLink(text, i, depth);
      if (link) {
        flush();
        out.push(link.node);
        i = link.end;
        continue;
      }
    } else if ((char === '*' || char === '_') && depth < MAX_DEPTH && opensEmphasis(text, i)) {
      const kept = closers.get(char);
      const end =
        kept && kept.from <= i + 1 && (kept.end === -1 || kept.end > i + 1)
          ? kept.end
          : closingEmphasis(text, i + 1, char);
      closers.set(char, { from: i + 1, end });
      if (end !== -1) {
        flush();
        out.push({
          type: 'italic',
          children: scanInline(text.slice(i + 1, end), depth + 1, links),
        });
        i = end + 1;
        continue;
      }
    } else if ((char === 'h' || char === 'H') && links && atWordStart(text, i)) {
      LINK_START.lastIndex = i;
      if (LINK_START.test(text)) {
        if (linkStop < i) {
          linkStop = i;
          while (linkStop < text.length && !LINK_STOP.test(text[linkStop] ?? '')) {
            linkStop++;
          }
        }
        const candidate = trimLink(text.slice(i, linkStop));
        const href = safeHref(candidate);
        if (href) {
          flush();
          out.push({ type: 'link', href, text: candidate });
          i += candidate.length;
          continue;
        }
      }
    }
    plain += char;
    i++;
  }
  flush();
  return out;
}

function atWordStart(text: string, i: number): boolean {
  return i === 0 || /[\s([{]/u.test(text[i - 1] ?? '');
}

/** `*x*` / `_x_`: the marker is followed by a non-space, and `_` only starts at a word boundary. */
function opensEmphasis(text: string, i: number): boolean {
  const next = text[i + 1] ?? '';
  if (next === '' || /\s/u.test(next) || next === text[i]) {
    return false;
  }
  return text[i] === '*' || !/[\p{L}\p{N}]/u.test(text[i - 1] ?? '');
}

function closingEmphasis(text: string, from: number, marker: string): number {
  let end = text.indexOf(marker, from);
  while (end !== -1) {
    const before = text[end - 1] ?? '';
    const after = text[end + 1] ?? '';
    const wordAfter = marker === '_' && /[\p{L}\p{N}]/u.test(after);
    if (end > from && !/\s/u.test(before) && !wordAfter && after !== marker) {
      return end;
    }
    end = text.indexOf(marker, end + 1);
  }
  return -1;
}

/**
 * Drops sentence punctuation and unbalanced closing parentheses from a link's end, in one pass
 * from the end with the parentheses counted once (a regex and a recount per parenthesis took
 * 583 ms on `https://a.co/` + 1,200 `.` + 787 `)`).
 */
function trimLink(candidate: string): string {
  let open = 0;
  let close = 0;
  for (const char of candidate) {
    if (char === '(') {
      open++;
    } else if (char === ')') {
      close++;
    }
  }
  let end = candidate.length;
  for (;;) {
    while (end > 0 && TRAILING_PUNCTUATION.includes(candidate[end - 1] ?? '(')) {
      end--;
    }
    if (end === 0 || candidate[end - 1] !== ')' || open >= close) {
      return candidate.slice(0, end);
    }
    end--;
    close--;
  }
}

/** The link target if it is a well-formed http(s) URL with a host; nothing else becomes a link. */
export function safeHref(candidate: string): string | undefined {
  return parseHttp(candidate)?.href;
}

/** The parts of WHATWG URL read here beyond environment.d.ts's (present in Node and browsers). */
type ParsedUrl = URL & { readonly host: string };

/**
 * `[text](url)` starting at `start`, or nothing. The text stops at the first `[`, `]` or line
 * break and the target at the first `[` or space, so each `[` is scanned only up to the next one
 * (`[[[[…` and `[a](x[a](x…` stay linear). The target may hold balanced parentheses.
 */
function labelledLink(
  text: string,
  start: number,
  depth: number,
): { node: LabelledLink; end: number } | undefined {
  let close = start + 1;
  while (close < text.length && !'[]\n'.includes(text[close] ?? '')) {
    close++;
  }
  if (text[close] !== ']' || text[close + 1] !== '(') {
    return undefined;
  }
  const label = text.slice(start + 1, close);
  let end = close + 2;
  let open = 0;
  for (; end < text.length; end++) {
    const char = text[end] ?? '';
    if (char === ')') {
      if (open === 0) {
        break;
      }
      open--;
    } else if (char === '(') {
      open++;
    } else if (char === '[' || /\s/u.test(char)) {
      return undefined;
    }
  }
  const target = text.slice(close + 2, end);
  if (text[end] !== ')' || label.trim().length === 0 || !LABELLED_HREF.test(target)) {
    return undefined;
  }
  const url = parseHttp(target);
  if (!url) {
    return undefined;
  }
  const node: LabelledLink = {
    type: 'labelled_link',
    href: url.href,
    host: url.host,
    children: scanInline(label, depth + 1, false),
  };
  const claimed = claimedHost(label.trim());
  if (claimed !== undefined && sameSite(claimed) !== sameSite(url.hostname)) {
    node.claimedHost = claimed;
  }
  return { node, end: end + 1 };
}

/** A link's text that is itself a URL (`https://a.com/x`) or a host (`a.com`, `a.com/x`). */
const URL_LIKE = /^[a-z][a-z\d+.-]*:\/\/\S+$/iu;
/** Labels and a top-level label of letters (`v1.25` is a version), or an IPv4 address. */
const HOST_LIKE =
  /^(?:(?:[\p{L}\p{N}_-]+\.)+(?:\p{L}{2,}|xn--[a-z\d-]+)\.?|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:[/?#]\S*)?$/iu;

/** The host a link's text names, as the URL parser spells it (IDN in punycode), if it names one. */
function claimedHost(label: string): string | undefined {
  const url = URL_LIKE.test(label)
    ? parseAny(label)
    : HOST_LIKE.test(label)
      ? parseAny(`https://${label}`)
      : undefined;
  return url?.hostname || undefined;
}

/** `www.a.com`, `a.com` and `A.com.` are one site; anything else is another. */
function sameSite(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^www\./u, '')
    .replace(/\.$/u, '');
}

function parseAny(candidate: string): ParsedUrl | undefined {
  try {
    return new URL(candidate) as ParsedUrl;
  } catch {
    return undefined;
  }
}

function parseHttp(candidate: string): ParsedUrl | undefined {
  const url = parseAny(candidate);
  return url && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0
    ? url
    : undefined;
}
