// A room's "Shared documents" field on its card: a drop target for library documents, listing what the room sees.
import type { Document } from "../generated/Document";
import type { RoomId } from "../generated/RoomId";
import { DocumentIcon } from "../documents/DocumentsPanel";
import type { DocumentDropData } from "./dragData";
import { DropTarget } from "./DropTarget";

const fieldId = (room: RoomId) => `room-documents-${room}`;

type Props = {
  room: RoomId;
  roomName: string;
  documents: Document[];
  staff: boolean;
  onRemove: (document: Document) => void;
};

export function RoomDocuments({ room, roomName, documents, staff, onRemove }: Props) {
  const data: DocumentDropData = { kind: "room-documents", room, label: `the shared documents of ${roomName}` };
  return (
    <DropTarget
      as="div"
      dropId={fieldId(room)}
      data={data}
      id={fieldId(room)}
      className="room-documents"
      data-testid="room-documents"
      role="group"
      aria-label={`Shared documents of ${roomName}`}
    >
      <p className="room-documents-title">Shared documents</p>
      {documents.length === 0 && (
        <p className="muted small">
          {staff ? "Drag documents from the library here, or press Enter on one there" : "None yet"}
        </p>
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
    </DropTarget>
  );
}

type ToggleProps = { room: RoomId; expanded: boolean; count: number; roomName: string; onToggle: () => void };

/** The toggle on a room card's header that shows or hides its shared documents. */
export function RoomDocumentsToggle({ room, expanded, count, roomName, onToggle }: ToggleProps) {
  return (
    <button
      type="button"
      className={`icon-button ${expanded ? "active" : ""}`}
      data-testid="room-documents-toggle"
      aria-expanded={expanded}
      aria-controls={expanded ? fieldId(room) : undefined}
      aria-label={`Shared documents of ${roomName} (${count})`}
      title="Shared documents"
      onClick={onToggle}
    >
      <DocumentIcon />
      {count > 0 && <span className="badge">{count}</span>}
    </button>
  );
}
