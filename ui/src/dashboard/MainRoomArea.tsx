// The main room on the dashboard: a drop target holding everyone who is not in a breakout room.
import { useDroppable } from "@dnd-kit/core";
import type { Participant } from "../generated/Participant";
import type { ParticipantId } from "../generated/ParticipantId";
import type { DropData } from "./announcements";
import { ChipList, type ChipPermissions } from "./ChipList";
import { isDocumentDrag } from "./dragData";

type Props = ChipPermissions & {
  members: Participant[];
  menuFor: ParticipantId | null;
  onOpenMenu: (id: ParticipantId, chip: HTMLElement) => void;
};

const DROP_DATA: DropData = { location: "main", label: "the main room" };

export function MainRoomArea({ members, menuFor, onOpenMenu, ...permissions }: Props) {
  const { setNodeRef, isOver, active } = useDroppable({ id: "main", data: DROP_DATA });
  const classes = ["main-room-area"];
  if (active && !isDocumentDrag(active.data.current)) classes.push("drop-ready");
  if (isOver) classes.push("drop-over");
  return (
    <section
      ref={setNodeRef}
      className={classes.join(" ")}
      data-testid="main-room-area"
      data-over={isOver || undefined}
      aria-labelledby="main-room-area-heading"
    >
      <header className="room-card-header">
        <h3 id="main-room-area-heading" className="room-name">
          Main room
        </h3>
        <span className="count" aria-label={`${members.length} in the main room`}>
          {members.length}
        </span>
      </header>
      <ChipList
        members={members}
        menuFor={menuFor}
        onOpenMenu={onOpenMenu}
        empty="Everyone is in a breakout room"
        {...permissions}
      />
    </section>
  );
}
