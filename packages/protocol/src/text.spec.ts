import { describe, expect, it } from '@jest/globals';

import { normalizeMessage } from './text.js';

/** Node's and browsers' clock (the protocol compiles without either's type library). */
declare const performance: { now(): number };

describe('normalizeMessage', () => {
  it('drops bidirectional overrides, embeddings and isolates', () => {
    expect(
      normalizeMessage('a\u202Eevil\u202C b\u2066c\u2069 \u202A\u202B\u202D\u2067\u2068d'),
    ).toBe('aevil bc d');
  });

  it('keeps at most 4 combining marks on a character', () => {
    const zalgo = `Z${'\u0300\u0301\u0302'.repeat(600)}algo`;
    expect(normalizeMessage(zalgo)).toBe('Z\u0300\u0301\u0302\u0300algo');
    // What languages write stays: Vietnamese, Hindi, a decomposed accent.
    for (const text of ['Tiếng Việt', 'ệ\u0323', 'हिन्दी', 'Zoe\u0301']) {
      expect(normalizeMessage(text)).toBe(text);
    }
  });

  it('collapses more than 2 blank lines into 2', () => {
    expect(normalizeMessage(`a${'\n'.repeat(2000)}b`)).toBe('a\n\n\nb');
    expect(normalizeMessage('a\n \n\t\n  \n\nb')).toBe('a\n\n\nb');
    expect(normalizeMessage('a\n\n\nb\n\nc')).toBe('a\n\n\nb\n\nc');
  });

  it('cleans 2,000 characters of any of it quickly', () => {
    for (const text of ['\u0301'.repeat(2000), '\n \n'.repeat(700), `a${' '.repeat(2000)}`]) {
      const started = performance.now();
      normalizeMessage(text);
      expect(performance.now() - started).toBeLessThan(20);
    }
  });
});
