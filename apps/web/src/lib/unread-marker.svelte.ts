/**
 * Where unread messages begin in the list: set when the reader goes away (page hidden, or scrolled
 * up), cleared a while after they are back at the end and have seen what is below it.
 */

/** How long the marker stays once the reader is back and has seen what is below it. */
export const MARKER_LINGER_MS = 8000;

export class UnreadMarker {
  /** Messages by others that arrived after this arrival number are unread; null: no marker. */
  after = $state<number | null>(null);
  /** The reader has been back at the end, with the page visible, since the marker was set. */
  #caughtUp = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    // Wrapped: the browser's timers throw "Illegal invocation" when called as a method of another object.
    private readonly clock: {
      setTimeout: (run: () => void, ms: number) => ReturnType<typeof setTimeout>;
      clearTimeout: (handle: ReturnType<typeof setTimeout> | undefined) => void;
    } = {
      setTimeout: (run, ms) => setTimeout(run, ms),
      clearTimeout: (handle) => clearTimeout(handle),
    },
  ) {}

  /** The reader went away after arrival `lastSeq`: what comes next is unread. */
  away(lastSeq: number): void {
    if (this.after === null || this.#caughtUp) {
      this.clock.clearTimeout(this.#timer);
      this.after = lastSeq;
      this.#caughtUp = false;
    }
  }

  /** The reader is back at the end with the page visible; `shown`: the marker is in the list. */
  back(shown: boolean): void {
    if (this.after === null || this.#caughtUp) {
      return;
    }
    this.#caughtUp = true;
    if (!shown) {
      this.after = null;
      return;
    }
    this.clock.clearTimeout(this.#timer);
    this.#timer = this.clock.setTimeout(() => {
      if (this.#caughtUp) {
        this.after = null;
      }
    }, MARKER_LINGER_MS);
  }

  /** Writing means reading: the marker has done its job. */
  clear(): void {
    this.clock.clearTimeout(this.#timer);
    this.after = null;
  }

  dispose(): void {
    this.clock.clearTimeout(this.#timer);
  }
}
