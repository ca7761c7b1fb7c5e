// The dashboard's library (staff): upload, drag a document onto a room's "Shared documents" field, or press Enter on it to pick a room.
import { memo, useRef, useState } from "react";
import { useDraggable } from "@dnd-kit/core";
import type { Document } from "../generated/Document";
import type { Room } from "../generated/Room";
import type { RoomId } from "../generated/RoomId";
import { DocumentIcon } from "../documents/DocumentsPanel";
import { formatSize, sharingLabel } from "../documents/format";
import { TransferList } from "../documents/TransferList";
import { UploadButton } from "../documents/UploadButton";
import { useTransfers } from "../documents/useTransfers";
import { ChoiceMenu, type Choice } from "./ChoiceMenu";
import type { DocumentDragData } from "./dragData";

const SHARE_MENU = { menu: "share-menu", option: "share-option", keyAttribute: "data-room-id" };
export const ALL_ROOMS = "all";

type Props = {
  documents: Document[];
  rooms: Room[];
  roomsById: Map<RoomId, Room>;
  /** Share `document` with one room (its id as a string) or with all rooms ("all"). */
  onShare: (document: Document, target: string) => void;
};

export function LibraryColumn({ documents, rooms, roomsById, onShare }: Props) {
  const transfers = useTransfers();
  const [menu, setMenu] = useState<{ document: Document; anchor: HTMLElement } | null>(null);
  const options: Choice[] = [
    { key: ALL_ROOMS, label: "All rooms" },
    ...rooms.map((room) => ({ key: String(room.id), label: room.name })),
  ];
  return (
    <section className="panel dashboard-library" data-testid="dashboard-library" aria-labelledby="library-heading">
      <header className="panel-header">
        <h3 id="library-heading">Library</h3>
        <UploadButton />
      </header>
      {documents.length === 0 ? (
        <p className="muted small">No documents yet. Upload files or drop them onto this window.</p>
      ) : (
        <>
          <p className="muted small">
            {rooms.length === 0
              ? "Open rooms to share documents with them."
              : "Drag a document onto a room's shared documents, or press Enter on it."}
          </p>
          <ul className="library-items">
            {documents.map((document) => (
              <LibraryItem
                key={document.id}
                document={document}
                where={sharingLabel(document, roomsById)}
                onOpenMenu={(anchor) => setMenu({ document, anchor })}
              />
            ))}
          </ul>
        </>
      )}
      <TransferList transfers={transfers} />
      {menu && (
        <ChoiceMenu
          title={`Share ${menu.document.name} with`}
          current={menu.document.sharing.all_rooms ? ALL_ROOMS : undefined}
          options={options}
          anchor={menu.anchor}
          testIds={SHARE_MENU}
          onChoose={(key) => {
            menu.anchor.focus();
            setMenu(null);
            onShare(menu.document, key);
          }}
          onClose={(refocus) => {
            if (refocus) menu.anchor.focus();
            setMenu(null);
          }}
        />
      )}
    </section>
  );
}

type ItemProps = {
  document: Document;
  /** Where it is shared, in words. */
  where: string;
  onOpenMenu: (anchor: HTMLElement) => void;
};

const LibraryItem = memo(function LibraryItem({ document, where, onOpenMenu }: ItemProps) {
  const data: DocumentDragData = { kind: "document", documentId: document.id, name: document.name };
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: `doc:${document.id}`, data });
  const node = useRef<HTMLLIElement | null>(null);
  return (
    <li
      ref={(element) => {
        node.current = element;
        setNodeRef(element);
      }}
      className={`library-item ${isDragging ? "dragging" : ""}`}
      data-testid="document-item"
      data-document-id={document.id}
      {...attributes}
      {...listeners}
      role="button"
      tabIndex={0}
      aria-label={`${document.name} (${where}): press Enter to share it with a room`}
      onKeyDown={(event) => {
        if ((event.key === "Enter" || event.key === " ") && node.current) {
          event.preventDefault();
          onOpenMenu(node.current);
        }
      }}
    >
      <DocumentIcon />
      <span className="library-item-text">
        <span className="library-item-name">{document.name}</span>
        <span className="muted small">
          {formatSize(document.size)} · {where}
        </span>
      </span>
    </li>
  );
});
