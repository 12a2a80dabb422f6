import { tick } from 'svelte';

import { placeMenu, stepMenu } from './menu-position';

/** An element the menu hangs from, or a pressed point (a long press on a message). */
export type MenuAnchor = HTMLElement | { x: number; y: number };

/** Phones and touch screens get a bottom sheet instead of a menu by its anchor. */
export const SHEET_QUERY = '(max-width: 40rem), (pointer: coarse)';

export interface PopupMenuOptions {
  /** Which edge of the anchor the menu lines up with. */
  align: () => 'start' | 'end';
  /** Elements whose presses do not count as outside (the button that toggles the menu). */
  inside?: () => readonly (Node | undefined)[];
  /**
   * A touch press outside only dismisses: its click does not also reach what lies under it (the
   * page behind a phone's sheet is dimmed; a tap there means "close", not "press this").
   */
  swallowTouchDismiss?: boolean;
}

/**
 * The open, place and close logic of the message menu and the member menu: a manual popover in
 * the top layer (the scrolling list never clips it) that hangs from its anchor and follows it
 * while the page scrolls, a sheet on phones. A press outside closes it; arrow keys, Home and End
 * move among its items; Escape or Tab close it and focus goes back where it came from. A manual
 * popover, because an automatic one closed as soon as the finger of a long press lifted.
 */
export class PopupMenu {
  opened = $state(false);
  /** The popover element (`bind:this`), there while `opened`. */
  element: HTMLElement | undefined = $state();
  #returnTo: HTMLElement | null = null;
  #anchor: MenuAnchor | undefined;
  readonly #options: PopupMenuOptions;

  constructor(options: PopupMenuOptions) {
    this.#options = options;
  }

  /** Opens (or moves) the menu by `anchor`, focusing its first item; focus returns to `returnTo`. */
  async open(anchor: MenuAnchor | undefined, returnTo: HTMLElement | null): Promise<void> {
    this.#returnTo = returnTo;
    this.opened = true;
    await tick();
    const menu = this.element;
    if (!menu) {
      return;
    }
    if (!menu.matches(':popover-open')) {
      menu.showPopover();
    }
    this.#anchor = anchor;
    this.position();
    menu.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }

  close(restoreFocus: boolean): void {
    if (this.element?.matches(':popover-open')) {
      this.element.hidePopover();
    }
    this.opened = false;
    if (restoreFocus) {
      this.#returnTo?.focus();
    }
  }

  position(): void {
    const menu = this.element;
    if (!menu || window.matchMedia(SHEET_QUERY).matches) {
      return;
    }
    const anchor = this.#anchor;
    const box =
      anchor instanceof HTMLElement
        ? anchor.getBoundingClientRect()
        : { left: anchor?.x ?? 0, top: anchor?.y ?? 0, width: 0, height: 0 };
    const at = placeMenu(
      box,
      { width: menu.offsetWidth, height: menu.offsetHeight },
      { width: window.innerWidth, height: window.innerHeight },
      this.#options.align(),
    );
    menu.style.left = `${at.left}px`;
    menu.style.top = `${at.top}px`;
  }

  /** The popover's keydown handler. */
  onkeydown = (event: KeyboardEvent): void => {
    const list = Array.from(this.element?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
    const target = stepMenu(
      list.length,
      list.indexOf(document.activeElement as HTMLElement),
      event.key,
    );
    if (target !== null) {
      event.preventDefault();
      list[target]?.focus();
    } else if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      this.close(true);
    }
  };

  /**
   * For the component's `$effect`: while open, a press outside closes the menu (focus stays
   * where the press put it) and the menu follows its anchor when the page scrolls.
   */
  watch(): (() => void) | undefined {
    if (!this.opened) {
      return undefined;
    }
    let swallowClick = false;
    const onpointerdown = (event: PointerEvent): void => {
      const target = event.target as Node | null;
      const inside = [this.element, ...(this.#options.inside?.() ?? [])];
      if (inside.some((node) => node?.contains(target))) {
        return;
      }
      swallowClick = this.#options.swallowTouchDismiss === true && event.pointerType === 'touch';
      this.close(false);
    };
    const onclick = (event: MouseEvent): void => {
      if (swallowClick) {
        swallowClick = false;
        event.preventDefault();
        event.stopPropagation();
      }
    };
    const onscroll = (): void => this.position();
    document.addEventListener('pointerdown', onpointerdown, true);
    document.addEventListener('click', onclick, true);
    document.addEventListener('scroll', onscroll, true);
    return () => {
      document.removeEventListener('pointerdown', onpointerdown, true);
      document.removeEventListener('scroll', onscroll, true);
      // The click of the dismissing tap comes after the menu is gone: let it be swallowed first.
      setTimeout(() => document.removeEventListener('click', onclick, true), 400);
    };
  }
}
