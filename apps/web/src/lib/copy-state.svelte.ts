/** "Copied" (or "Could not copy") for a moment after a Copy button: one per message or panel. */
export class CopyState {
  copied = $state<'' | 'done' | 'failed'>('');
  #timer: ReturnType<typeof setTimeout> | undefined;

  async copy(text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.copied = 'done';
    } catch {
      this.copied = 'failed';
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => (this.copied = ''), 2000);
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}
