// The documents this user can see: for staff the session library (with Upload), for participants
// what is shared with their room. Each opens in the system viewer or saves elsewhere.
import { useState } from "react";
import { api } from "../api";
import type { AppError } from "../generated/AppError";
import type { Document } from "../generated/Document";
import type { DocumentId } from "../generated/DocumentId";
import type { LiveView } from "../generated/LiveView";
import { isStaff, type SessionIndex } from "../session";
import { useToast } from "../toasts";
import { formatSize, sharingLabel } from "./format";
import { TransferList } from "./TransferList";
import { useTransfers } from "./useTransfers";

export function DocumentsPanel({ view, index }: { view: LiveView; index: SessionIndex }) {
  const staff = isStaff(view.role);
  const transfers = useTransfers();
  const toast = useToast();
  const [picking, setPicking] = useState(false);
  const documents = view.session.documents;

  const upload = async () => {
    setPicking(true);
    try {
      await api.uploadDocuments();
    } catch (error) {
      toast({ text: `Could not upload: ${(error as AppError).message}`, tone: "error" });
    } finally {
      setPicking(false);
    }
  };

  return (
    <section
      className="panel documents-panel"
      data-testid={staff ? "document-library" : "participant-documents"}
      aria-labelledby="documents-heading"
    >
      <header className="panel-header">
        <h2 id="documents-heading">{staff ? "Document library" : "Documents"}</h2>
        {staff && (
          <button
            type="button"
            className="button small"
            data-testid="upload-documents"
            onClick={() => void upload()}
            disabled={picking}
          >
            Upload documents
          </button>
        )}
      </header>
      {documents.length === 0 ? (
        <p className="muted small">
          {staff
            ? "No documents yet. Upload files, drop them onto this window, or apply your plan."
            : "No documents are shared with your room."}
        </p>
      ) : (
        <ul className="document-list">
          {documents.map((document) => (
            <DocumentRow key={document.id} document={document} index={index} showSharing={staff} />
          ))}
        </ul>
      )}
      <TransferList transfers={transfers} />
    </section>
  );
}

function DocumentRow({ document, index, showSharing }: { document: Document; index: SessionIndex; showSharing: boolean }) {
  const toast = useToast();
  const run = async (action: (id: DocumentId) => Promise<unknown>, what: string) => {
    try {
      await action(document.id);
    } catch (error) {
      toast({ text: `Could not ${what} ${document.name}: ${(error as AppError).message}`, tone: "error" });
    }
  };
  return (
    <li className="document-row" data-testid="document-item" data-document-id={document.id}>
      <DocumentIcon />
      <span className="document-name">{document.name}</span>
      <span className="muted small">
        {formatSize(document.size)}
        {showSharing && ` · ${sharingLabel(document, index.rooms)}`}
      </span>
      <span className="document-actions">
        <button type="button" className="button small" data-testid="document-open" onClick={() => void run(api.openDocument, "open")}>
          Open
        </button>
        <button type="button" className="button small ghost" data-testid="document-save" onClick={() => void run(api.saveDocument, "save")}>
          Save…
        </button>
      </span>
    </li>
  );
}

export function DocumentIcon() {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <path d="M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z" />
      <path d="M14 3v6h6" />
    </svg>
  );
}
