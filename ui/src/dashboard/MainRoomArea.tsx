// The main room on the dashboard: a drop target holding everyone who is not in a breakout room.
import type { Participant } from "../generated/Participant";
import type { ParticipantId } from "../generated/ParticipantId";
import type { DropData } from "./announcements";
import { ChipList, type ChipMarks, type ChipPermissions } from "./ChipList";
import { DropTarget } from "./DropTarget";

type Props = ChipPermissions &
  ChipMarks & {
    members: Participant[];
    onOpenMenu: (id: ParticipantId, chip: HTMLElement) => void;
  };

const DROP_DATA: DropData = { location: "main", label: "the main room" };

export function MainRoomArea({ members, onOpenMenu, ...chips }: Props) {
  return (
    <DropTarget
      as="section"
      dropId="main"
      data={DROP_DATA}
      className="main-room-area"
      data-testid="main-room-area"
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
      <ChipList members={members} onOpenMenu={onOpenMenu} empty="Everyone is in a breakout room" {...chips} />
    </DropTarget>
  );
}
