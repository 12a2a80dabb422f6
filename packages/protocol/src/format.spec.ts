import { describe, expect, it } from '@jest/globals';

import { type Block, formatInline, formatMessage, type Inline } from './format.js';

/** Node's and browsers' clock (the protocol compiles without either's type library). */
declare const performance: { now(): number };

/** Every string in the tree, concatenated: what a text-only renderer would show. */
function shown(blocks: Block[]): string {
  const inline = (nodes: Inline[]): string =>
    nodes
      .map((node) =>
        node.type === 'bold' || node.type === 'italic' ? inline(node.children) : node.text,
      )
      .join('');
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
