// The chips of one place (main room or a room card); skips re-rendering when its people did not change.
import { memo } from "react";
import type { Participant } from "../generated/Participant";
import type { ParticipantId } from "../generated/ParticipantId";
import { ParticipantChip } from "./ParticipantChip";

export type ChipPermissions = {
  me: ParticipantId;
  /** Staff: every chip can be moved. */
  moveAnyone: boolean;
  /** A participant with free movement on: their own chip can be moved. */
  moveSelf: boolean;
};

/** The chips marked right now; each is given only to the place that holds that person, null elsewhere. */
export type ChipMarks = {
  /** Whose "Move to…" menu is open. */
  menuFor: ParticipantId | null;
  /** Who is being dragged. */
  dragging: ParticipantId | null;
};

type Props = ChipPermissions &
  ChipMarks & {
    members: Participant[];
    onOpenMenu: (id: ParticipantId, chip: HTMLElement) => void;
    empty: string;
  };

function ChipListView({ members, me, moveAnyone, moveSelf, menuFor, dragging, onOpenMenu, empty }: Props) {
  if (members.length === 0) return <p className="chip-list-empty muted small">{empty}</p>;
  return (
    <div className="chip-list">
      {members.map((p) => (
        <ParticipantChip
          key={p.id}
          id={p.id}
          name={p.name}
          role={p.role}
          online={p.online}
          isMe={p.id === me}
          movable={moveAnyone || (moveSelf && p.id === me)}
          menuOpen={menuFor === p.id}
          dragging={dragging === p.id}
          onOpenMenu={onOpenMenu}
        />
      ))}
    </div>
  );
}

/** Every view brings new objects; compare what a chip shows instead (O(members)). */
function sameMembers(a: Participant[], b: Participant[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.id !== y.id || x.name !== y.name || x.online !== y.online || x.role !== y.role) return false;
  }
  return true;
}

export const ChipList = memo(
  ChipListView,
  (prev, next) =>
    prev.me === next.me &&
    prev.moveAnyone === next.moveAnyone &&
    prev.moveSelf === next.moveSelf &&
    prev.onOpenMenu === next.onOpenMenu &&
    prev.empty === next.empty &&
    prev.menuFor === next.menuFor &&
    prev.dragging === next.dragging &&
    sameMembers(prev.members, next.members),
);
