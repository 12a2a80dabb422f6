/**
 * A touch held still opens a message's menu, as in WhatsApp and Telegram. Chrome on Android ends a
 * long press with `pointercancel` then `contextmenu`; iOS Safari fires neither, so the press is
 * also timed here from pointer events, whichever comes first. The browser's own menu and the click
 * that ends the press are swallowed.
 */

/** How long a finger stays down before it counts (Android's long-press timeout is 400–500 ms). */
export const LONG_PRESS_MS = 500;
/** How far (px) a finger may drift and still be holding, not scrolling. */
export const LONG_PRESS_SLOP_PX = 10;

export interface PressClock {
  setTimeout: (run: () => void, ms: number) => ReturnType<typeof setTimeout>;
  clearTimeout: (handle: ReturnType<typeof setTimeout>) => void;
}

/** The timing, apart from the DOM: `down`, `move`, `up` in, `onPress` out once per press. */
export class LongPress {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #start: { x: number; y: number } | null = null;
  /** The press fired: what follows (click, contextmenu) belongs to it. */
  fired = false;

  constructor(
    private readonly onPress: (x: number, y: number) => void,
    // Wrapped: the browser's timers throw "Illegal invocation" when called as a method of another object.
    private readonly clock: PressClock = {
      setTimeout: (run, ms) => setTimeout(run, ms),
      clearTimeout: (handle) => clearTimeout(handle),
    },
  ) {}

  down(x: number, y: number): void {
    this.cancel();
    this.fired = false;
    this.#start = { x, y };
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = null;
      this.fired = true;
      this.onPress(x, y);
    }, LONG_PRESS_MS);
  }

  move(x: number, y: number): void {
    if (this.#start && Math.hypot(x - this.#start.x, y - this.#start.y) > LONG_PRESS_SLOP_PX) {
      this.cancel();
    }
  }

  cancel(): void {
    if (this.#timer !== null) {
      this.clock.clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#start = null;
  }
}

/** A Svelte attachment: long touch presses on the element call `onPress` with the point. */
export function longPress(
  onPress: (x: number, y: number) => void,
): (node: HTMLElement) => () => void {
  return (node) => {
    const press = new LongPress(onPress);
    /** The last press on the element was a finger's (a mouse's right button keeps its own menu). */
    let touching = false;
    const down = (event: PointerEvent): void => {
      touching = event.pointerType === 'touch';
      if (touching && event.isPrimary) {
        press.down(event.clientX, event.clientY);
      } else {
        press.fired = false;
      }
    };
    const move = (event: PointerEvent): void => press.move(event.clientX, event.clientY);
    const end = (): void => press.cancel();
    const contextmenu = (event: MouseEvent): void => {
      if (!touching) {
        return;
      }
      event.preventDefault();
      if (!press.fired) {
        press.cancel();
        press.fired = true;
        onPress(event.clientX, event.clientY);
      }
    };
    const swallow = (event: Event): void => {
      if (press.fired) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    node.addEventListener('pointerdown', down);
    node.addEventListener('pointermove', move);
    node.addEventListener('pointerup', end);
    node.addEventListener('pointercancel', end);
    node.addEventListener('contextmenu', contextmenu);
    node.addEventListener('click', swallow, true);
    return () => {
      press.cancel();
      node.removeEventListener('pointerdown', down);
      node.removeEventListener('pointermove', move);
      node.removeEventListener('pointerup', end);
      node.removeEventListener('pointercancel', end);
      node.removeEventListener('contextmenu', contextmenu);
      node.removeEventListener('click', swallow, true);
    };
  };
}
