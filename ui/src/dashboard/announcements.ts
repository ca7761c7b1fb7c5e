// What screen readers hear during a pointer drag of a person or a document (dnd-kit reads these into its own live region).
import type { Announcements, ScreenReaderInstructions } from "@dnd-kit/core";
import type { Location } from "../generated/Location";
import { isDocumentDrag } from "./dragData";

/** Data attached to a draggable chip. */
export type ChipData = { name: string };
/** Data attached to a drop target (the main-room area or a room card). */
export type DropData = { location: Location; label: string };

/** An active draggable or a drop target, as dnd-kit hands them to announcements. */
type WithData = { data: { current?: Record<string, unknown> } } | null | undefined;

function draggedName(active: WithData): string {
  const fallback = isDocumentDrag(active?.data.current) ? "document" : "participant";
  return (active?.data.current as ChipData | undefined)?.name ?? fallback;
}

function dropLabel(over: WithData): string | null {
  return (over?.data.current as DropData | undefined)?.label ?? null;
}

export const announcements: Announcements = {
  onDragStart({ active }) {
    return `Picked up ${draggedName(active)}.`;
  },
  onDragOver({ active, over }) {
    const label = dropLabel(over);
    if (label) return `${draggedName(active)} is over ${label}.`;
    return isDocumentDrag(active.data.current)
      ? `${draggedName(active)} is not over a room's shared documents.`
      : `${draggedName(active)} is not over a room.`;
  },
  onDragEnd({ active, over }) {
    const label = dropLabel(over);
    if (label) return `${draggedName(active)} was dropped on ${label}.`;
    return isDocumentDrag(active.data.current)
      ? `${draggedName(active)} was dropped outside the rooms' shared documents and was not shared.`
      : `${draggedName(active)} was dropped outside the rooms and stays where they were.`;
  },
  onDragCancel({ active }) {
    return isDocumentDrag(active.data.current)
      ? `Sharing ${draggedName(active)} was cancelled.`
      : `Moving ${draggedName(active)} was cancelled; they stay where they were.`;
  },
};

/** The id of dnd-kit's hidden instructions (the DndContext's id); every draggable is described by them. */
export const DRAG_INSTRUCTIONS_ID = "drag-instructions";

export const screenReaderInstructions: ScreenReaderInstructions = {
  draggable:
    "Press Enter or Space to open a menu of places: Move to… for a participant, Share with… for a document. Choose with the arrow keys and press Enter; Escape closes the menu.",
};
