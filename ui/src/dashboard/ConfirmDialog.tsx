// A modal "are you sure?" for actions that cannot be undone (removing someone, new invite codes): Cancel has focus first, Escape cancels.
import { useEffect, useRef, useState } from "react";
import { useDialogFocus } from "../useDialogFocus";

type Props = {
  title: string;
  /** What will happen, in a sentence or two. */
  description: string;
  confirmLabel: string;
  /** Runs the action; the dialog closes when it settles. */
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
};

export function ConfirmDialog({ title, description, confirmLabel, onConfirm, onClose }: Props) {
  const [busy, setBusy] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  const dialog = useDialogFocus(onClose);
  useEffect(() => cancel.current?.focus(), []);

  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      onClose();
    }
  };

  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <div
        ref={dialog.ref}
        onKeyDown={dialog.onKeyDown}
        className="dialog confirm-dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-heading"
        aria-describedby="confirm-description"
        data-testid="confirm-dialog"
      >
        <h3 id="confirm-heading">{title}</h3>
        <p id="confirm-description">{description}</p>
        <footer className="dialog-actions">
          <button ref={cancel} type="button" className="button ghost" data-testid="cancel" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            data-testid="confirm"
            onClick={() => void confirm()}
            disabled={busy}
            aria-busy={busy}
          >
            {confirmLabel}
          </button>
        </footer>
      </div>
    </div>
  );
}
