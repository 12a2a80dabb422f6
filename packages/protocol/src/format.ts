/**
 * A small, safe formatting language for messages: fenced code blocks, `inline code`, **bold**,
 * *italic* / _italic_, and http(s) links. The output is a tree of plain data that a renderer turns
 * into elements with text content only, so no input can ever become HTML. Scanning is linear per
 * marker, nesting is bounded, and anything unclosed stays as typed.
 */
export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'bold'; children: Inline[] }
  | { type: 'italic'; children: Inline[] }
  | { type: 'link'; href: string; text: string };

export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'code_block'; text: string; language?: string };

const MAX_DEPTH = 3;
const FENCE = '```';
const LINK_START = /https?:\/\//iy;
/** Characters that end a link (whitespace, quotes, angle brackets). */
const LINK_STOP = /[\s<>"'`]/u;
/** Trailing punctuation that belongs to the sentence, not the link. */
const TRAILING_PUNCTUATION = '.,;:!?*_';

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

function pushParagraph(blocks: Block[], text: string): void {
  const trimmed = text.replace(/^\n+|\n+$/gu, '');
  if (trimmed.length > 0) {
    blocks.push({ type: 'paragraph', children: formatInline(trimmed) });
  }
}

/** Inline formatting of one paragraph (line breaks stay in the text). */
export function formatInline(text: string, depth = 0): Inline[] {
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
        out.push({ type: 'bold', children: formatInline(text.slice(i + 2, end), depth + 1) });
        i = end + 2;
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
        out.push({ type: 'italic', children: formatInline(text.slice(i + 1, end), depth + 1) });
        i = end + 1;
        continue;
      }
    } else if ((char === 'h' || char === 'H') && atWordStart(text, i)) {
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
  try {
    const url = new URL(candidate);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0) {
      return url.href;
    }
  } catch {
    // not a URL
  }
  return undefined;
}
