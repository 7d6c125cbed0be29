/**
 * One confirm dialog for all of Settings: `await confirmation.ask(...)` resolves true when the
 * person confirms and false when they cancel (button, Escape or a new question). Rendered by
 * ConfirmDialog.svelte in the settings layout.
 */
export interface ConfirmRequest {
  message: string;
  confirmLabel: string;
  danger: boolean;
  resolve: (confirmed: boolean) => void;
}

class Confirmation {
  current = $state<ConfirmRequest | null>(null);

  ask(message: string, confirmLabel: string, danger = true): Promise<boolean> {
    this.current?.resolve(false);
    return new Promise((resolve) => {
      this.current = { message, confirmLabel, danger, resolve };
    });
  }

  answer(confirmed: boolean): void {
    const request = this.current;
    this.current = null;
    request?.resolve(confirmed);
  }
}

export const confirmation = new Confirmation();
