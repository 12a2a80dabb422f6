/**
 * What the message list's rows and the online list need of moderation, handed down through
 * Svelte's context (App sets it) rather than through every list's props.
 */
import { getContext, setContext } from 'svelte';

import type { Moderation } from './moderation.svelte';

/** Someone the menus act on. */
export interface Person {
  userId: string;
  username: string;
}

export interface ModerationUi {
  readonly moderation: Moderation;
  /** Opens the member menu for `person`, hanging from `anchor`; focus returns to `from`. */
  openMember: (person: Person, anchor: HTMLElement, from?: HTMLElement) => void;
  /** Opens the report form for a message. */
  openReport: (message: { id: number; username: string; text: string }) => void;
  /** Opens "Delete their last N…" for the author of a message. */
  openCleanUp: (person: Person) => void;
}

const KEY = Symbol('moderation-ui');

export function setModerationUi(ui: ModerationUi): void {
  setContext(KEY, ui);
}

/** The context, or undefined outside the app (a component mounted alone). */
export function moderationUi(): ModerationUi | undefined {
  return getContext<ModerationUi | undefined>(KEY);
}
