/**
 * The keyboard and open state of a combobox whose listbox pops up under a text box (the ARIA 1.2
 * combobox pattern): focus stays in the box, the active option is `aria-activedescendant`.
 */
export type ComboboxAction =
  /** The key was the combobox's: the page should not act on it too. */
  | { kind: 'handled' }
  /** Go to this option's value. */
  | { kind: 'choose'; index: number }
  /** Forget this option (Delete on an option that can be forgotten). */
  | { kind: 'forget'; index: number }
  /** Not the combobox's key: let the box (or its form) have it. */
  | { kind: 'ignored' };

const HANDLED: ComboboxAction = { kind: 'handled' };
const IGNORED: ComboboxAction = { kind: 'ignored' };

export class Combobox {
  open = $state(false);
  /** The highlighted option, or -1 (then Enter submits what is typed). */
  active = $state(-1);
  readonly #count: () => number;

  /** `count`: how many options there are now (they change as the person types). */
  constructor(count: () => number) {
    this.#count = count;
  }

  /** The popup shows when it is open and has something to show. */
  get expanded(): boolean {
    return this.open && this.#count() > 0;
  }

  show(): void {
    this.open = true;
  }

  /** Closes the popup; nothing stays highlighted. */
  close(): void {
    this.open = false;
    this.active = -1;
  }

  /** The text changed: show the (filtered) options, none highlighted yet. */
  typed(): void {
    this.open = true;
    this.active = -1;
  }

  /** A key pressed in the box, with whether it can forget the option at `index`. */
  key(
    key: string,
    altKey = false,
    canForget: (index: number) => boolean = () => false,
  ): ComboboxAction {
    const count = this.#count();
    switch (key) {
      case 'ArrowDown':
        if (!this.expanded || altKey) {
          this.open = true;
          return HANDLED;
        }
        this.active = this.active + 1 >= count ? 0 : this.active + 1;
        return HANDLED;
      case 'ArrowUp':
        if (!this.expanded) {
          this.open = true;
          this.active = count - 1;
          return HANDLED;
        }
        this.active = this.active <= 0 ? count - 1 : this.active - 1;
        return HANDLED;
      case 'Enter':
        if (this.expanded && this.active >= 0 && this.active < count) {
          return { kind: 'choose', index: this.active };
        }
        return IGNORED;
      case 'Escape':
        if (this.expanded) {
          this.close();
          return HANDLED;
        }
        return IGNORED;
      case 'Delete':
        if (this.expanded && this.active >= 0 && canForget(this.active)) {
          const index = this.active;
          // The next option moves up into its place; past the end, the new last one.
          this.active = Math.min(index, count - 2);
          return { kind: 'forget', index };
        }
        return IGNORED;
      default:
        return IGNORED;
    }
  }

  /** After the options changed under it (typing, an answer): keep the highlight in range. */
  clamp(): void {
    if (this.active >= this.#count()) {
      this.active = this.#count() - 1;
    }
  }
}
