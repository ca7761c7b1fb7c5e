// One participant as a chip on the dashboard: dragged with the pointer (ChipDragArea starts it), or Enter/Space opens "Move to…".
import { memo } from "react";
import type { KeyboardEvent } from "react";
import type { ParticipantId } from "../generated/ParticipantId";
import type { Role } from "../generated/Role";
import { roleLabel } from "../session";
import { DRAG_INSTRUCTIONS_ID } from "./announcements";

export type ChipProps = {
  id: ParticipantId;
  name: string;
  role: Role;
  online: boolean;
  isMe: boolean;
  /** May this user move this participant (drag or menu)? */
  movable: boolean;
  menuOpen: boolean;
  /** Is this chip being dragged (the overlay follows the pointer; the chip stays, dimmed)? */
  dragging: boolean;
  onOpenMenu: (id: ParticipantId, chip: HTMLElement) => void;
};

/** The chip's text is exactly the name; "(you)", presence and role are in its class and aria-label. */
export const ParticipantChip = memo(function ParticipantChip(props: ChipProps) {
  const { id, name, role, online, isMe, movable, menuOpen, dragging, onOpenMenu } = props;

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    if (movable) onOpenMenu(id, event.currentTarget);
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
  if (dragging) classes.push("dragging");

  return (
    <div
      role="button"
      tabIndex={0}
      aria-disabled={!movable}
      aria-roledescription={movable ? "draggable participant" : "participant"}
      aria-describedby={DRAG_INSTRUCTIONS_ID}
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
