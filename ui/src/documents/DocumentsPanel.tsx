// The documents this user can see (staff: the session library with Upload; participants: their room's), each to open or save.
import { api } from "../api";
import type { AppError } from "../generated/AppError";
import type { Document } from "../generated/Document";
import type { LiveView } from "../generated/LiveView";
import { isStaff, type SessionIndex } from "../session";
import { useToast } from "../toasts";
import { formatSize, sharingLabel } from "./format";
import { TransferList } from "./TransferList";
import { UploadButton } from "./UploadButton";
import { useTransfers } from "./useTransfers";

export function DocumentsPanel({ view, index }: { view: LiveView; index: SessionIndex }) {
  const staff = isStaff(view.role);
  const transfers = useTransfers();
  const documents = view.session.documents;

  return (
    <section
      className="panel documents-panel"
      data-testid={staff ? "document-library" : "participant-documents"}
      aria-labelledby="documents-heading"
    >
      <header className="panel-header">
        <h2 id="documents-heading">{staff ? "Document library" : "Documents"}</h2>
        {staff && <UploadButton />}
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
  const open = async () => {
    try {
      await api.openDocument(document.id);
    } catch (error) {
      toast({ text: `Could not open ${document.name}: ${(error as AppError).message}`, tone: "error" });
    }
  };
  const save = async () => {
    try {
      const path = await api.saveDocument(document.id);
      if (path !== null) toast({ text: `Saving ${document.name} to ${path}`, tone: "info" });
    } catch (error) {
      toast({ text: `Could not save ${document.name}: ${(error as AppError).message}`, tone: "error" });
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
        <button
          type="button"
          className="button small"
          data-testid="document-open"
          aria-label={`Open ${document.name}`}
          onClick={() => void open()}
        >
          Open
        </button>
        <button
          type="button"
          className="button small ghost"
          data-testid="document-save"
          aria-label={`Save ${document.name} as…`}
          onClick={() => void save()}
        >
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
