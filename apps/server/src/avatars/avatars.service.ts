import { createAvatar, type Style } from '@dicebear/core';
import * as lorelei from '@dicebear/lorelei';
import * as notionists from '@dicebear/notionists';
import { Injectable } from '@nestjs/common';
import { keepRecent } from '../common/keep-recent.js';

/**
 * The seed app picked one of two avatar families at random (its `girl`/`boy` URLs). We keep that
 * two-way choice as a style variant but draw the pictures ourselves, so avatars work offline and
 * nothing about our users is sent to a third party.
 */
const STYLES = {
  lorelei: lorelei as Style<object>,
  notionists: notionists as Style<object>,
} as const;

export type AvatarStyle = keyof typeof STYLES;
export const AVATAR_STYLES = Object.keys(STYLES) as AvatarStyle[];

/** Soft backgrounds that keep the line-art styles readable on light and dark themes alike. */
const BACKGROUNDS = ['b6e3f4', 'c0aede', 'd1d4f9', 'ffd5dc', 'ffdfbf'];

/** Seeds are names we generated or a person chose; bound them so the URL space stays small. */
const SEED_PATTERN = /^[\p{L}\p{N}_\-. ]{1,64}$/u;
const CACHE_LIMIT = 2000;

@Injectable()
export class AvatarsService {
  // Rendering is pure but costs ~1 ms; a small LRU keeps repeat requests (every page load) cheap.
  private readonly cache = new Map<string, string>();

  isStyle(value: string): value is AvatarStyle {
    return Object.hasOwn(STYLES, value);
  }

  isValidSeed(seed: string): boolean {
    return SEED_PATTERN.test(seed);
  }

  /** Same-origin URL of the avatar for `seed` in `style`. */
  urlFor(style: AvatarStyle, seed: string): string {
    return `/avatars/${style}/${encodeURIComponent(seed)}.svg`;
  }

  randomStyle(random: () => number = Math.random): AvatarStyle {
    return AVATAR_STYLES[Math.floor(random() * AVATAR_STYLES.length)] ?? 'lorelei';
  }

  /** The SVG already drawn for this style and seed, if the cache still has it (costs nothing). */
  cached(style: AvatarStyle, seed: string): string | undefined {
    const key = `${style}\u0000${seed}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, cached);
    }
    return cached;
  }

  /** The SVG document, identical for the same style and seed (so it can be cached for good). */
  render(style: AvatarStyle, seed: string): string {
    const cached = this.cached(style, seed);
    if (cached !== undefined) {
      return cached;
    }
    const key = `${style}\u0000${seed}`;
    const svg = createAvatar(STYLES[style], { seed, backgroundColor: BACKGROUNDS }).toString();
    keepRecent(this.cache, key, svg, CACHE_LIMIT);
    return svg;
  }
}
