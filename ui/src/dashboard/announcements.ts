// What screen readers hear during a pointer drag (dnd-kit reads these into its own live region).
import type { Announcements, ScreenReaderInstructions } from "@dnd-kit/core";
import type { Location } from "../generated/Location";

/** Data attached to a draggable chip. */
export type ChipData = { name: string };
/** Data attached to a drop target (the main-room area or a room card). */
export type DropData = { location: Location; label: string };

/** An active draggable or a drop target, as dnd-kit hands them to announcements. */
type WithData = { data: { current?: Record<string, unknown> } } | null | undefined;

function chipName(active: WithData): string {
  return (active?.data.current as ChipData | undefined)?.name ?? "participant";
}

function dropLabel(over: WithData): string | null {
  return (over?.data.current as DropData | undefined)?.label ?? null;
}

export const announcements: Announcements = {
  onDragStart({ active }) {
    return `Picked up ${chipName(active)}.`;
  },
  onDragOver({ active, over }) {
    const label = dropLabel(over);
    return label ? `${chipName(active)} is over ${label}.` : `${chipName(active)} is not over a room.`;
  },
  onDragEnd({ active, over }) {
    const label = dropLabel(over);
    return label
      ? `${chipName(active)} was dropped on ${label}.`
      : `${chipName(active)} was dropped outside the rooms and stays where they were.`;
  },
  onDragCancel({ active }) {
    return `Moving ${chipName(active)} was cancelled; they stay where they were.`;
  },
};

export const screenReaderInstructions: ScreenReaderInstructions = {
  draggable:
    "To move this participant, press Enter or Space to open the Move to menu, choose a place with the arrow keys and press Enter. Press Escape to close the menu.",
};
