import { describe, expect, it, vi } from 'vitest';

import { ModalDialog } from './modal-dialog.svelte';

/** A stand-in `<dialog>`: what ModalDialog calls on it, and whether it is open. */
function fakeDialog() {
  const state = { open: false };
  const showModal = vi.fn(() => {
    state.open = true;
  });
  const close = vi.fn(() => {
    state.open = false;
  });
  const dialog = Object.assign(state, { showModal, close }) as unknown as HTMLDialogElement;
  return { dialog, showModal, close };
}

describe('ModalDialog', () => {
  it('opens the dialog as a modal once, however often the button is pressed', async () => {
    const modal = new ModalDialog();
    const { dialog, showModal } = fakeDialog();
    modal.dialog = dialog;
    await modal.show();
    await modal.show();
    expect(modal.open).toBe(true);
    expect(showModal).toHaveBeenCalledTimes(1);
  });

  it('closes on a press on the backdrop (the dialog itself), not on its content', () => {
    const modal = new ModalDialog();
    const { dialog, close } = fakeDialog();
    modal.dialog = dialog;
    modal.onclick({ target: {} } as unknown as MouseEvent);
    expect(close).not.toHaveBeenCalled();
    modal.onclick({ target: dialog } as unknown as MouseEvent);
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('however it closed, leaves the page and gives focus back to the button', async () => {
    const modal = new ModalDialog();
    modal.dialog = fakeDialog().dialog;
    const focus = vi.fn();
    modal.button = { focus } as unknown as HTMLButtonElement;
    await modal.show();
    modal.onclose();
    expect(modal.open).toBe(false);
    expect(focus).toHaveBeenCalledTimes(1);
  });
});
