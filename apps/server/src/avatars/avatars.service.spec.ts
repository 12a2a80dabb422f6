import { describe, expect, it } from '@jest/globals';

import { AvatarsService } from './avatars.service.js';

describe(AvatarsService.name, () => {
  const sut = new AvatarsService();

  it('draws the same SVG for the same style and seed, and different ones otherwise', () => {
    const a = sut.render('lorelei', 'User_1234');
    expect(a).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(sut.render('lorelei', 'User_1234')).toBe(a);
    expect(sut.render('lorelei', 'User_4321')).not.toBe(a);
    expect(sut.render('notionists', 'User_1234')).not.toBe(a);
  });

  it('says what is cached without drawing it', () => {
    const fresh = new AvatarsService();
    expect(fresh.cached('lorelei', 'Only_Once')).toBeUndefined();
    const svg = fresh.render('lorelei', 'Only_Once');
    expect(fresh.cached('lorelei', 'Only_Once')).toBe(svg);
    expect(fresh.cached('notionists', 'Only_Once')).toBeUndefined();
  });

  it('keeps the seed app’s random choice between two styles', () => {
    expect(sut.randomStyle(() => 0)).toBe('lorelei');
    expect(sut.randomStyle(() => 0.99)).toBe('notionists');
  });

  it('builds same-origin URLs with the seed encoded', () => {
    expect(sut.urlFor('lorelei', 'Zoé B')).toBe('/avatars/lorelei/Zo%C3%A9%20B.svg');
  });

  it.each(['', 'a/b', '<script>', 'x'.repeat(65)])('refuses the seed %j', (seed) => {
    expect(sut.isValidSeed(seed)).toBe(false);
  });

  it('knows only its own styles', () => {
    expect(sut.isStyle('lorelei')).toBe(true);
    expect(sut.isStyle('constructor')).toBe(false);
    expect(sut.isStyle('toString')).toBe(false);
  });
});
