// "Share documents" (top right of the dashboard): pick library documents to share with every room at once.
import { useEffect, useRef, useState } from "react";
import type { Document } from "../generated/Document";
import type { DocumentId } from "../generated/DocumentId";
import { formatSize } from "../documents/format";
import { useDialogFocus } from "../useDialogFocus";
import type { useSend } from "../useSend";

type Props = {
  documents: Document[];
  send: ReturnType<typeof useSend>;
  onClose: () => void;
};

export function ShareDialog({ documents, send, onClose }: Props) {
  const [checked, setChecked] = useState(() => new Set(documents.filter((d) => d.sharing.all_rooms).map((d) => d.id)));
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const dialog = useDialogFocus(onClose);
  useEffect(() => (first.current ?? confirmButton.current)?.focus(), []);

  const toggle = (id: DocumentId) =>
    setChecked((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const changes = documents.filter((document) => checked.has(document.id) !== document.sharing.all_rooms);

  const confirm = async () => {
    setBusy(true);
    for (const document of changes) {
      const want = checked.has(document.id);
      await send(
        want
          ? { type: "share_document", document: document.id, target: "all" }
          : { type: "unshare_document", document: document.id, target: "all" },
        {
          failure: `Could not ${want ? "share" : "unshare"} ${document.name}`,
          success: `${document.name} is ${want ? "shared with all rooms" : "no longer shared with all rooms"}.`,
        },
      );
    }
    setBusy(false);
    onClose();
  };

  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={dialog.ref}
        onKeyDown={dialog.onKeyDown}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="share-heading"
        aria-describedby="share-description"
        data-testid="share-documents-dialog"
      >
        <h3 id="share-heading">Share documents</h3>
        <p id="share-description" className="muted small">
          Checked documents are shared with every breakout room. To share with one room only, drag a document from the
          library onto that room's shared documents.
        </p>
        {documents.length === 0 ? (
          <p className="muted">Upload documents to the main room first; then you can share them here.</p>
        ) : (
          <ul className="check-list">
            {documents.map((document, i) => (
              <li key={document.id}>
                <label>
                  <input
                    ref={i === 0 ? first : undefined}
                    type="checkbox"
                    data-testid="share-document-option"
                    data-document-id={document.id}
                    checked={checked.has(document.id)}
                    onChange={() => toggle(document.id)}
                  />
                  <span className="check-label">{document.name}</span>
                  <span className="muted small">{formatSize(document.size)}</span>
                </label>
              </li>
            ))}
          </ul>
        )}
        <footer className="dialog-actions">
          <button type="button" className="button ghost" data-testid="share-documents-cancel" onClick={onClose}>
            Cancel
          </button>
          <button
            ref={confirmButton}
            type="button"
            className="button primary"
            data-testid="share-documents-confirm"
            onClick={() => void confirm()}
            disabled={busy}
            aria-busy={busy}
          >
            Share
          </button>
        </footer>
      </div>
    </div>
  );
}
