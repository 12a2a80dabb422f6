import { describe, expect, it } from '@jest/globals';

import { type Block, formatInline, formatMessage, type Inline } from './format.js';

/** Node's and browsers' clock (the protocol compiles without either's type library). */
declare const performance: { now(): number };

/** Every string in the tree, concatenated: what a text-only renderer would show. */
function shown(blocks: Block[]): string {
  const inline = (nodes: Inline[]): string =>
    nodes.map((node) => ('children' in node ? inline(node.children) : node.text)).join('');
  return blocks
    .map((block) => (block.type === 'code_block' ? block.text : inline(block.children)))
    .join('\n');
}

describe(formatMessage.name, () => {
  it('leaves plain text as one text node, line breaks included', () => {
    expect(formatMessage('hello\nworld')).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: 'hello\nworld' }] },
    ]);
  });

  it('formats bold, italic and inline code', () => {
    expect(formatInline('a **b** *c* _d_ `e`')).toEqual([
      { type: 'text', text: 'a ' },
      { type: 'bold', children: [{ type: 'text', text: 'b' }] },
      { type: 'text', text: ' ' },
      { type: 'italic', children: [{ type: 'text', text: 'c' }] },
      { type: 'text', text: ' ' },
      { type: 'italic', children: [{ type: 'text', text: 'd' }] },
      { type: 'text', text: ' ' },
      { type: 'code', text: 'e' },
    ]);
  });

  it('nests bold and italic, and never formats inside code', () => {
    expect(formatInline('**bold _and italic_**')).toEqual([
      {
        type: 'bold',
        children: [
          { type: 'text', text: 'bold ' },
          { type: 'italic', children: [{ type: 'text', text: 'and italic' }] },
        ],
      },
    ]);
    expect(formatInline('`**not bold** http://x.y`')).toEqual([
      { type: 'code', text: '**not bold** http://x.y' },
    ]);
  });

  it('keeps snake_case, 2*3*4 and lone markers as typed', () => {
    expect(formatInline('snake_case_name')).toEqual([{ type: 'text', text: 'snake_case_name' }]);
    expect(formatInline('2 * 3 * 4')).toEqual([{ type: 'text', text: '2 * 3 * 4' }]);
    expect(formatInline('**unclosed and `also')).toEqual([
      { type: 'text', text: '**unclosed and `also' },
    ]);
  });

  it('turns http(s) URLs into links, leaving sentence punctuation outside', () => {
    expect(formatInline('see https://example.com/a?b=1#c, (and http://x.org/wiki/A_(b)).')).toEqual(
      [
        { type: 'text', text: 'see ' },
        { type: 'link', href: 'https://example.com/a?b=1#c', text: 'https://example.com/a?b=1#c' },
        { type: 'text', text: ', (and ' },
        { type: 'link', href: 'http://x.org/wiki/A_(b)', text: 'http://x.org/wiki/A_(b)' },
        { type: 'text', text: ').' },
      ],
    );
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox',
    'file:///etc/passwd',
    'ftp://example.com',
    'http://',
    'https:// spaced.example',
  ])('never makes a link of %j', (text) => {
    const links = JSON.stringify(formatMessage(text)).match(/"type":"link"/g) ?? [];
    expect(links).toHaveLength(0);
    expect(shown(formatMessage(text))).toBe(text);
  });

  it('keeps script tags and HTML as plain text', () => {
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(1)>**<b>x</b>**';
    const blocks = formatMessage(hostile);
    expect(shown(blocks)).toBe(hostile.replace(/\*\*/g, ''));
    expect(JSON.stringify(blocks)).not.toContain('"type":"html"');
  });

  it('does not let a link swallow an attribute break-out', () => {
    expect(formatInline('https://a.example/"onmouseover="alert(1)')).toEqual([
      { type: 'link', href: 'https://a.example/', text: 'https://a.example/' },
      { type: 'text', text: '"onmouseover="alert(1)' },
    ]);
  });

  it('makes fenced code blocks, with a language when given', () => {
    expect(formatMessage('before\n```ts\nconst a = 1;\n**no**\n```\nafter')).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: 'before' }] },
      { type: 'code_block', text: 'const a = 1;\n**no**', language: 'ts' },
      { type: 'paragraph', children: [{ type: 'text', text: 'after' }] },
    ]);
    expect(formatMessage('```\nunclosed')).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: '```\nunclosed' }] },
    ]);
  });

  it('bounds nesting depth', () => {
    const deep = '**'.repeat(50) + 'x' + '**'.repeat(50);
    const depth = (nodes: Inline[]): number =>
      Math.max(0, ...nodes.map((n) => ('children' in n ? 1 + depth(n.children) : 0)));
    const blocks = formatMessage(deep);
    expect(blocks[0]?.type === 'paragraph' && depth(blocks[0].children)).toBeLessThanOrEqual(3);
  });

  it('trims a link in linear time', () => {
    // Each was quadratic: 583 ms, 22 ms, 11 ms and 22 ms in Node 20 before.
    const inputs = [
      `https://a.co/${'.'.repeat(1200)}${')'.repeat(787)}`,
      `https://a.co/${')'.repeat(1987)}`,
      `https://a.co/${'.)'.repeat(993)}`,
      '_a_'.repeat(666),
    ];
    for (const input of inputs) {
      // The best of three runs, so one garbage collection on a busy machine does not fail it.
      const times = [0, 1, 2].map(() => {
        const started = performance.now();
        formatMessage(input);
        return performance.now() - started;
      });
      expect(Math.min(...times)).toBeLessThan(5);
    }
    expect(formatInline(`https://a.co/${'.'.repeat(1200)}${')'.repeat(787)}`)).toEqual([
      { type: 'link', href: 'https://a.co/', text: 'https://a.co/' },
      { type: 'text', text: `${'.'.repeat(1200)}${')'.repeat(787)}` },
    ]);
    expect(formatInline('(see https://x.org/a_(b)c).) ok')).toEqual([
      { type: 'text', text: '(see ' },
      { type: 'link', href: 'https://x.org/a_(b)c', text: 'https://x.org/a_(b)c' },
      { type: 'text', text: ').) ok' },
    ]);
  });

  it('stays fast on very long and adversarial lines', () => {
    const inputs = [
      '*'.repeat(2000),
      '_a'.repeat(1000),
      '`'.repeat(2000),
      'http://'.repeat(285),
      'x'.repeat(20_000),
      '**a '.repeat(500),
      '```\n'.repeat(500),
      '[http://:'.repeat(222),
      '(http://'.repeat(250),
    ];
    const started = Date.now();
    for (const input of inputs) {
      expect(shown(formatMessage(input)).length).toBeGreaterThan(0);
    }
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

/** Every node of the tree, depth first (blocks and inlines). */
function nodesOf(blocks: Block[]): (Block | Inline)[] {
  const walk = (node: Block | Inline): (Block | Inline)[] => [
    node,
    ...('children' in node ? node.children.flatMap(walk) : []),
  ];
  return blocks.flatMap(walk);
}

const typesOf = (text: string) => nodesOf(formatMessage(text)).map((node) => node.type);

/** The best of three runs in ms, so one garbage collection on a busy machine does not fail it. */
function bestTime(run: () => unknown): number {
  const times = [0, 1, 2].map(() => {
    const started = performance.now();
    run();
    return performance.now() - started;
  });
  return Math.min(...times);
}

describe('strike', () => {
  it('strikes ~~text~~, nested either way with bold and italic', () => {
    expect(formatInline('was ~~Friday~~ Monday')).toEqual([
      { type: 'text', text: 'was ' },
      { type: 'strike', children: [{ type: 'text', text: 'Friday' }] },
      { type: 'text', text: ' Monday' },
    ]);
    expect(formatInline('~~**a** _b_~~ **~~c~~**')).toEqual([
      {
        type: 'strike',
        children: [
          { type: 'bold', children: [{ type: 'text', text: 'a' }] },
          { type: 'text', text: ' ' },
          { type: 'italic', children: [{ type: 'text', text: 'b' }] },
        ],
      },
      { type: 'text', text: ' ' },
      { type: 'bold', children: [{ type: 'strike', children: [{ type: 'text', text: 'c' }] }] },
    ]);
  });

  it.each(['~~unclosed', 'a ~~ b ~~ c', '~one tilde~', '~~~~', 'x ~~', '~~ ~~'])(
    'keeps %j as typed',
    (text) => {
      expect(formatInline(text)).toEqual([{ type: 'text', text }]);
    },
  );

  it('does not strike inside code', () => {
    expect(formatMessage('`~~x~~`\n```\n~~y~~\n```')).toEqual([
      { type: 'paragraph', children: [{ type: 'code', text: '~~x~~' }] },
      { type: 'code_block', text: '~~y~~' },
    ]);
  });
});

describe('quotes', () => {
  it('makes one quote of consecutive `> ` lines, formatted inside, between paragraphs', () => {
    expect(formatMessage('she said:\n> **no** way\n>\n> ~~never~~\nok')).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: 'she said:' }] },
      {
        type: 'quote',
        children: [
          { type: 'bold', children: [{ type: 'text', text: 'no' }] },
          { type: 'text', text: ' way\n\n' },
          { type: 'strike', children: [{ type: 'text', text: 'never' }] },
        ],
      },
      { type: 'paragraph', children: [{ type: 'text', text: 'ok' }] },
    ]);
  });

  it('quotes one level: `> > x` quotes `> x` as text, `>>x` and `>text` are not quotes', () => {
    expect(formatMessage('> > x')).toEqual([
      { type: 'quote', children: [{ type: 'text', text: '> x' }] },
    ]);
    for (const text of ['>>x', '>text', '>_>', '->', ' > indented']) {
      expect(formatMessage(text)).toEqual([
        { type: 'paragraph', children: [{ type: 'text', text }] },
      ]);
    }
  });

  it('keeps a quote of nothing as typed', () => {
    expect(formatMessage('>\n> ')).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: '>\n> ' }] },
    ]);
  });

  it('never holds a code block: a fence inside a quote is text, one between quotes splits them', () => {
    const inside = formatMessage('> ```js\n> alert(1)\n> ```');
    expect(nodesOf(inside).map((node) => node.type)).not.toContain('code_block');
    expect(inside.map((block) => block.type)).toEqual(['quote']);
    expect(shown(inside)).toContain('alert(1)');

    expect(formatMessage('> a\n```\n> b\n```\n> c')).toEqual([
      { type: 'quote', children: [{ type: 'text', text: 'a' }] },
      { type: 'code_block', text: '> b' },
      { type: 'quote', children: [{ type: 'text', text: 'c' }] },
    ]);
  });

  it('keeps HTML in a quote as text', () => {
    expect(formatMessage('> <script>alert(1)</script>')).toEqual([
      { type: 'quote', children: [{ type: 'text', text: '<script>alert(1)</script>' }] },
    ]);
  });
});

describe('labelled links', () => {
  it('links [text](url) with its real host, the text formatted but never linked again', () => {
    expect(formatInline('see [the **docs**](https://example.com/docs?a=1#b).')).toEqual([
      { type: 'text', text: 'see ' },
      {
        type: 'labelled_link',
        href: 'https://example.com/docs?a=1#b',
        host: 'example.com',
        children: [
          { type: 'text', text: 'the ' },
          { type: 'bold', children: [{ type: 'text', text: 'docs' }] },
        ],
      },
      { type: 'text', text: '.' },
    ]);
    expect(
      formatInline('[A (b)](https://x.org/wiki/A_(b)) [see http://y.org](http://x.org)'),
    ).toEqual([
      {
        type: 'labelled_link',
        href: 'https://x.org/wiki/A_(b)',
        host: 'x.org',
        children: [{ type: 'text', text: 'A (b)' }],
      },
      { type: 'text', text: ' ' },
      {
        type: 'labelled_link',
        href: 'http://x.org/',
        host: 'x.org',
        children: [{ type: 'text', text: 'see http://y.org' }],
      },
    ]);
  });

  it.each([
    ['https://good.com@evil.com/', 'evil.com'],
    ['https://good.com:pw@evil.com/login', 'evil.com'],
    ['https://evil.com\\@good.com/', 'evil.com'],
    ['https://good.com#@evil.com', 'good.com'],
    ['https://ex\u0430mple.com/', 'xn--exmple-4nf.com'],
    ['https://bücher.de', 'xn--bcher-kva.de'],
    ['https://example.com:8443/x', 'example.com:8443'],
    ['HTTPS://EXAMPLE.COM:443/', 'example.com'],
    ['Http://Example.com:80', 'example.com'],
    ['http://127.0.0.1:3000/', '127.0.0.1:3000'],
    ['https:///evil.com', 'evil.com'],
  ])('shows the real host of %j: %j', (href, host) => {
    const [node] = formatInline(`[docs](${href})`);
    expect(node).toMatchObject({ type: 'labelled_link', host });
    // The href as the browser will follow it goes to that same host.
    const followed =
      node?.type === 'labelled_link' && (new URL(node.href) as URL & { host: string });
    expect(followed && followed.host).toBe(host);
  });

  it.each([
    ['[good.com](https://evil.com)', 'good.com'],
    ['[https://good.com/login](https://good.com@evil.com/)', 'good.com'],
    ['[example.com](https://ex\u0430mple.com)', 'example.com'],
    ['[ex\u0430mple.com](https://example.com)', 'xn--exmple-4nf.com'],
    ['[http://bank.example](https://bank.example.evil.com/)', 'bank.example'],
    ['[10.0.0.1/admin](https://evil.com)', '10.0.0.1'],
    ['[xn--exmple-4nf.com](https://example.com)', 'xn--exmple-4nf.com'],
    ['[example.zip](https://evil.com/example.zip)', 'example.zip'],
  ])('marks %j, whose text names another host', (text, claimedHost) => {
    expect(formatInline(text)[0]).toMatchObject({ type: 'labelled_link', claimedHost });
  });

  it.each([
    '[docs](https://evil.com)',
    '[example.com](https://example.com/a)',
    '[www.example.com](https://example.com)',
    '[Example.COM](https://example.com:8443)',
    '[https://example.com](https://www.example.com/)',
    '[read this.](https://example.com)',
    '[v1.25](https://example.com/releases)',
    '[chapter 3.2](https://example.com)',
  ])('does not mark %j, whose text names no other host', (text) => {
    const [node] = formatInline(text);
    expect(node?.type).toBe('labelled_link');
    expect(node).not.toHaveProperty('claimedHost');
  });

  it.each([
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](data:text/html,<script>alert(1)</script>)',
    '[x](vbscript:msgbox)',
    '[x](/relative/path)',
    '[x](//evil.com)',
    '[x](evil.com)',
    '[x](https:evil.com)',
    '[x](https:\\\\evil.com)',
    '[x](ftp://example.com)',
    '[x](https://)',
    '[x](<https://a.com>)',
  ])('never makes a link of %j', (text) => {
    expect(typesOf(text)).toEqual(['paragraph', 'text']);
    expect(shown(formatMessage(text))).toBe(text);
  });

  it.each([
    '[docs](https://a.com with spaces)',
    '[docs] (https://a.com)',
    '[docs](https://a.com',
    '[](https://a.com)',
    '[ ](https://a.com)',
    '[two\nlines](https://a.com)',
    '[a [b]](https://a.com)',
  ])('keeps %j as typed (a bare URL in it is still a plain link)', (text) => {
    expect(typesOf(text)).not.toContain('labelled_link');
    expect(shown(formatMessage(text))).toBe(text);
  });

  it('keeps HTML in a link text as text', () => {
    expect(formatInline('[<img src=x onerror=alert(1)>](https://a.com)')).toEqual([
      {
        type: 'labelled_link',
        href: 'https://a.com/',
        host: 'a.com',
        children: [{ type: 'text', text: '<img src=x onerror=alert(1)>' }],
      },
    ]);
  });

  it('does not link inside code', () => {
    expect(typesOf('`[x](https://a.com)`\n```\n[y](https://b.com)\n```')).toEqual([
      'paragraph',
      'code',
      'code_block',
    ]);
  });
});

describe('new markers under adversarial input', () => {
  it('bounds nesting depth through strike and link text', () => {
    const depth = (nodes: Inline[]): number =>
      Math.max(0, ...nodes.map((n) => ('children' in n ? 1 + depth(n.children) : 0)));
    for (const text of [
      '~~'.repeat(50) + 'x' + '~~'.repeat(50),
      '[**~~_[**~~x~~**](https://a.com)_~~**](https://b.com)',
      '~~**_'.repeat(20) + 'x' + '_**~~'.repeat(20),
    ]) {
      const blocks = formatMessage(text);
      expect(blocks[0]?.type === 'paragraph' && depth(blocks[0].children)).toBeLessThanOrEqual(3);
    }
  });

  it.each([
    ['50,000 ~', '~'.repeat(50_000)],
    ['~~a repeated', '~~a'.repeat(16_000)],
    ['~~ a repeated', '~~ a'.repeat(12_500)],
    ['50,000 [', '['.repeat(50_000)],
    ['[ and text without ]', '[' + 'a'.repeat(50_000)],
    ['[a]( repeated', '[a]('.repeat(12_500)],
    ['[a](x( repeated', '[a](x('.repeat(8_000)],
    ['[a](https://a.com/( repeated', '[a](https://a.com/('.repeat(2_500)],
    ['[x](https://a.com) repeated', '[x](https://a.com) '.repeat(2_500)],
    ['a long host-like link text', `[${'aa.'.repeat(15_000)}!](https://a.com)`],
    ['50,000 >', '>'.repeat(50_000)],
    ['25,000 > lines', '>\n'.repeat(25_000) + '> x'],
    ['quote and text lines in turn', '> a\nb\n'.repeat(8_000)],
    ['50,000 ]', ']('.repeat(25_000)],
  ])('stays fast on %s', (_name, text) => {
    // About 10 ms on an idle machine; a quadratic scan of 50,000 characters takes seconds.
    expect(bestTime(() => formatMessage(text))).toBeLessThan(250);
  });

  it('keeps 50,000 markers as typed', () => {
    for (const text of ['~'.repeat(50_000), '['.repeat(50_000), '>'.repeat(50_000)]) {
      expect(formatMessage(text)).toEqual([
        { type: 'paragraph', children: [{ type: 'text', text }] },
      ]);
    }
  });
});
