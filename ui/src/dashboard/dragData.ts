// What is being dragged and where it may land: people go to places, documents to rooms' fields.
import { pointerWithin, type CollisionDetection } from "@dnd-kit/core";
import type { DocumentId } from "../generated/DocumentId";
import type { RoomId } from "../generated/RoomId";

/** Data of a draggable library document. */
export type DocumentDragData = { kind: "document"; documentId: DocumentId; name: string };
/** Data of a room's "Shared documents" field. */
export type DocumentDropData = { kind: "room-documents"; room: RoomId; label: string };

export function isDocumentDrag(data: unknown): data is DocumentDragData {
  return (data as DocumentDragData | undefined)?.kind === "document";
}

export function isDocumentDrop(data: unknown): data is DocumentDropData {
  return (data as DocumentDropData | undefined)?.kind === "room-documents";
}

/** Pointer-within, but a document only lands on documents fields and a person only on places. */
export const collisionByKind: CollisionDetection = (args) => {
  const documentDrag = isDocumentDrag(args.active.data.current);
  return pointerWithin({
    ...args,
    droppableContainers: args.droppableContainers.filter(
      (container) => isDocumentDrop(container.data.current) === documentDrag,
    ),
  });
};
