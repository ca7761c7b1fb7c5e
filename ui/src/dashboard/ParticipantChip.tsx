// One participant as a chip on the dashboard: dragged with the pointer, or Enter/Space opens "Move to…".
import { memo, useCallback, useRef } from "react";
import type { KeyboardEvent } from "react";
import { useDraggable } from "@dnd-kit/core";
import type { ParticipantId } from "../generated/ParticipantId";
import type { Role } from "../generated/Role";
import { roleLabel } from "../session";
import type { ChipData } from "./announcements";

export type ChipProps = {
  id: ParticipantId;
  name: string;
  role: Role;
  online: boolean;
  isMe: boolean;
  /** May this user move this participant (drag or menu)? */
  movable: boolean;
  menuOpen: boolean;
  onOpenMenu: (id: ParticipantId, chip: HTMLElement) => void;
};

/** The chip's text is exactly the name; "(you)", presence and role are in its class and aria-label. */
export const ParticipantChip = memo(function ParticipantChip(props: ChipProps) {
  const { id, name, role, online, isMe, movable, menuOpen, onOpenMenu } = props;
  const data: ChipData = { name };
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id, data, disabled: !movable });
  const node = useRef<HTMLDivElement | null>(null);
  const setRefs = useCallback(
    (element: HTMLDivElement | null) => {
      node.current = element;
      setNodeRef(element);
    },
    [setNodeRef],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    if (movable && node.current) onOpenMenu(id, node.current);
  };

  const label = [
    isMe ? `${name} (you)` : name,
    online ? "online" : "offline",
    role === "participant" ? null : roleLabel(role),
  ]
    .filter(Boolean)
    .join(", ");

  const classes = ["chip", online ? "online" : "offline", `role-${role}`];
  if (isMe) classes.push("is-me");
  if (movable) classes.push("movable");
  if (isDragging) classes.push("dragging");

  return (
    <div
      ref={setRefs}
      {...attributes}
      {...listeners}
      role="button"
      tabIndex={0}
      aria-disabled={!movable}
      aria-pressed={undefined}
      aria-roledescription={movable ? "draggable participant" : "participant"}
      aria-label={label}
      aria-haspopup={movable ? "menu" : undefined}
      aria-expanded={movable ? menuOpen : undefined}
      className={classes.join(" ")}
      data-testid="participant-chip"
      data-participant-id={id}
      data-online={online}
      data-me={isMe || undefined}
      onKeyDown={onKeyDown}
    >
      {name}
    </div>
  );
});
