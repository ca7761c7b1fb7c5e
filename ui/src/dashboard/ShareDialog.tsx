// "Share documents" (top right of the dashboard): pick library documents to share with every room.
import { useEffect, useRef, useState } from "react";
import type { Document } from "../generated/Document";
import type { DocumentId } from "../generated/DocumentId";
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
  useEffect(() => first.current?.focus(), []);

  const toggle = (id: DocumentId) =>
    setChecked((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const confirm = async () => {
    setBusy(true);
    for (const document of documents) {
      const want = checked.has(document.id);
      if (want === document.sharing.all_rooms) continue;
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
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="share-heading" data-testid="share-documents-dialog">
        <h3 id="share-heading">Share documents with all rooms</h3>
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
                  {document.name}
                </label>
              </li>
            ))}
          </ul>
        )}
        <footer className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button primary"
            data-testid="share-documents-confirm"
            onClick={() => void confirm()}
            disabled={busy}
          >
            Share
          </button>
        </footer>
      </div>
    </div>
  );
}
