import { tick } from 'svelte';

/**
 * A button that opens a modal `<dialog>` (the online drawer, the room settings). The dialog is
 * only in the page while open; it closes by its close button, Escape or a press on the backdrop,
 * and however it closed, focus goes back to the button.
 */
export class ModalDialog {
  open = $state(false);
  /** The `<dialog>` (`bind:this`), there while `open`. */
  dialog: HTMLDialogElement | undefined = $state();
  /** The button that opens it (`bind:this`). */
  button: HTMLButtonElement | undefined = $state();

  show = async (): Promise<void> => {
    this.open = true;
    await tick();
    if (this.dialog && !this.dialog.open) {
      this.dialog.showModal();
    }
  };

  close = (): void => {
    this.dialog?.close();
  };

  /** The dialog's `close` event. */
  onclose = (): void => {
    this.open = false;
    this.button?.focus();
  };

  /** The dialog's `click` event: a press on the backdrop lands on the dialog itself (its content covers the rest). */
  onclick = (event: MouseEvent): void => {
    if (event.target === this.dialog) {
      this.close();
    }
  };
}
