// A room's "Shared documents" field on its card: opened with the document icon, a drop target for
// library documents, listing what the room sees (room-only ones can be removed).
import { useDroppable } from "@dnd-kit/core";
import type { Document } from "../generated/Document";
import type { RoomId } from "../generated/RoomId";
import { DocumentIcon } from "../documents/DocumentsPanel";
import type { DocumentDropData } from "./dragData";

type Props = {
  room: RoomId;
  roomName: string;
  documents: Document[];
  staff: boolean;
  onRemove: (document: Document) => void;
};

export function RoomDocuments({ room, roomName, documents, staff, onRemove }: Props) {
  const data: DocumentDropData = { kind: "room-documents", room, label: `the shared documents of ${roomName}` };
  const { setNodeRef, isOver, active } = useDroppable({ id: `room-documents-${room}`, data });
  const classes = ["room-documents"];
  if (active?.data.current && (active.data.current as { kind?: string }).kind === "document") classes.push("drop-ready");
  if (isOver) classes.push("drop-over");
  return (
    <div ref={setNodeRef} className={classes.join(" ")} data-testid="room-documents" data-over={isOver || undefined}>
      <p className="room-documents-title">Shared documents</p>
      {documents.length === 0 && (
        <p className="muted small">{staff ? "Drag documents from the library here" : "None"}</p>
      )}
      <ul>
        {documents.map((document) => (
          <li key={document.id} className="room-document" data-testid="room-document-item" data-document-id={document.id}>
            <DocumentIcon />
            <span>{document.name}</span>
            {document.sharing.all_rooms ? (
              <span className="muted small">all rooms</span>
            ) : (
              staff && (
                <button
                  type="button"
                  className="button small ghost"
                  data-testid="room-document-remove"
                  aria-label={`Stop sharing ${document.name} with ${roomName}`}
                  onClick={() => onRemove(document)}
                >
                  Remove
                </button>
              )
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The toggle on a room card's header that shows or hides its shared documents. */
export function RoomDocumentsToggle({ expanded, count, onToggle }: { expanded: boolean; count: number; onToggle: () => void }) {
  return (
    <button
      type="button"
      className={`icon-button ${expanded ? "active" : ""}`}
      data-testid="room-documents-toggle"
      aria-expanded={expanded}
      aria-label={`Shared documents (${count})`}
      title="Shared documents"
      onClick={onToggle}
    >
      <DocumentIcon />
      {count > 0 && <span className="badge">{count}</span>}
    </button>
  );
}
