// The library on the dashboard (staff): documents to drag onto a room's "Shared documents" field,
// or — from the keyboard — Enter on one to pick the room (or all rooms) from a menu.
import { memo, useRef, useState } from "react";
import { useDraggable } from "@dnd-kit/core";
import type { Document } from "../generated/Document";
import type { Room } from "../generated/Room";
import { DocumentIcon } from "../documents/DocumentsPanel";
import { ChoiceMenu, type Choice } from "./ChoiceMenu";
import type { DocumentDragData } from "./dragData";

const SHARE_MENU = { menu: "share-menu", option: "share-option", keyAttribute: "data-room-id" };
export const ALL_ROOMS = "all";

type Props = {
  documents: Document[];
  rooms: Room[];
  /** Share `document` with one room (its id as a string) or with all rooms ("all"). */
  onShare: (document: Document, target: string) => void;
};

export function LibraryColumn({ documents, rooms, onShare }: Props) {
  const [menu, setMenu] = useState<{ document: Document; anchor: HTMLElement } | null>(null);
  const options: Choice[] = [
    { key: ALL_ROOMS, label: "All rooms" },
    ...rooms.map((room) => ({ key: String(room.id), label: room.name })),
  ];
  return (
    <section className="panel dashboard-library" data-testid="dashboard-library" aria-labelledby="library-heading">
      <h3 id="library-heading">Library</h3>
      {documents.length === 0 ? (
        <p className="muted small">No documents uploaded yet.</p>
      ) : (
        <>
          <p className="muted small">Drag a document onto a room's shared documents, or press Enter on it.</p>
          <ul className="library-items">
            {documents.map((document) => (
              <LibraryItem
                key={document.id}
                document={document}
                onOpenMenu={(anchor) => setMenu({ document, anchor })}
              />
            ))}
          </ul>
        </>
      )}
      {menu && (
        <ChoiceMenu
          title={`Share ${menu.document.name} with`}
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

const LibraryItem = memo(function LibraryItem({
  document,
  onOpenMenu,
}: {
  document: Document;
  onOpenMenu: (anchor: HTMLElement) => void;
}) {
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
      aria-label={`${document.name}: press Enter to share it with a room`}
      onKeyDown={(event) => {
        if ((event.key === "Enter" || event.key === " ") && node.current) {
          event.preventDefault();
          onOpenMenu(node.current);
        }
      }}
    >
      <DocumentIcon />
      <span>{document.name}</span>
    </li>
  );
});
