// A place a drag can land (the main room, a room card, a room's documents field): registered with dnd-kit, showing whether the dragged thing may land here and is over it.
import type { HTMLAttributes, ReactNode } from "react";
import { useDroppable } from "@dnd-kit/core";
import type { DropData } from "./announcements";
import { isDocumentDrag, isDocumentDrop, type DocumentDropData } from "./dragData";

type Props = HTMLAttributes<HTMLElement> & {
  as: "section" | "div";
  dropId: string;
  data: DropData | DocumentDropData;
  className: string;
  children: ReactNode;
  "data-testid": string;
  "data-room-id"?: number;
};

/** Re-renders when a drag starts, moves over another target or ends; its children, made by its owner, do not. */
export function DropTarget({ as: Tag, dropId, data, className, children, ...attributes }: Props) {
  const { setNodeRef, isOver, active } = useDroppable({ id: dropId, data });
  const classes = [className];
  // Documents land only on documents fields, people only on places (as collisionByKind decides).
  if (active && isDocumentDrag(active.data.current) === isDocumentDrop(data)) classes.push("drop-ready");
  if (isOver) classes.push("drop-over");
  return (
    <Tag ref={setNodeRef} className={classes.join(" ")} data-over={isOver || undefined} {...attributes}>
      {children}
    </Tag>
  );
}
