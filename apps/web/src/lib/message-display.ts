/**
 * How message text is shown, whatever a server stored or sent: messages from before the server
 * cleaned them (or from another server) can carry direction overrides and thousands of blank
 * lines. Pure helpers, plus one shared ResizeObserver for folding long messages.
 */

/**
 * Direction embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). One override can
 * show `txt.exe` as `exe.txt`; names already refuse them, message text loses them when shown.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/gu;

/**
 * Three or more blank lines in a row. Spaces, tabs and invisible characters (format characters,
 * the Braille blank, Hangul fillers) count as blank: a line of them draws nothing either.
 */
const BLANK_RUN = /\n(?:(?:[^\S\n]|[\p{Cf}\u2800\u3164\u115F\u1160\uFFA0])*\n){3,}/gu;

/** At most this many blank lines in a row are shown (2,000 newlines drew 46,000 px). */
export const MAX_BLANK_LINES = 2;

/** The text as shown: no direction overrides, runs of blank lines cut to `MAX_BLANK_LINES`. */
export function displayText(text: string): string {
  return text.replace(BIDI_CONTROLS, '').replace(BLANK_RUN, '\n'.repeat(MAX_BLANK_LINES + 1));
}

/**
 * Messages taller than this many lines are folded to it, behind "Show more". The same number is
 * the `12lh` in MessageItem.svelte's `.text` rule, which folds them before any script runs.
 */
export const FOLD_LINES = 12;

/** Whether content `height` px tall, in lines `lineHeight` px tall, is folded. */
export function shouldFold(height: number, lineHeight: number): boolean {
  return height > FOLD_LINES * lineHeight + 1;
}

/** The line height of `element` in px (`normal` is about 1.2 times the font size). */
export function lineHeightOf(element: Element): number {
  const style = getComputedStyle(element);
  const lineHeight = Number.parseFloat(style.lineHeight);
  return Number.isFinite(lineHeight) ? lineHeight : Number.parseFloat(style.fontSize) * 1.2;
}

const listeners = new WeakMap<Element, (height: number) => void>();
let observer: ResizeObserver | undefined;

/**
 * Calls `onHeight` with `element`'s height now and whenever it changes (new width, fonts, an
 * edit). One observer for every message: a history page mounts hundreds. Returns the stop.
 */
export function watchHeight(element: HTMLElement, onHeight: (height: number) => void): () => void {
  observer ??= new ResizeObserver((entries) => {
    for (const entry of entries) {
      const height = entry.borderBoxSize[0]?.blockSize ?? entry.contentRect.height;
      listeners.get(entry.target)?.(height);
    }
  });
  listeners.set(element, onHeight);
  // Measured at once, not at the observer's first report: the button is there from the first
  // frame, so a screen reader hears the message with it rather than a button added a moment later.
  onHeight(element.offsetHeight);
  observer.observe(element);
  return () => {
    observer?.unobserve(element);
    listeners.delete(element);
  };
}
