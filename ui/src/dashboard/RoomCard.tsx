// One breakout room on the dashboard: a drop target with its name, its people, Join and Bring back.
import { memo, useState } from "react";
import type { Document } from "../generated/Document";
import type { Participant } from "../generated/Participant";
import type { ParticipantId } from "../generated/ParticipantId";
import type { RoomId } from "../generated/RoomId";
import type { DropData } from "./announcements";
import { ChipList, type ChipMarks, type ChipPermissions } from "./ChipList";
import { DropTarget } from "./DropTarget";
import { RoomDocuments, RoomDocumentsToggle } from "./RoomDocuments";
import { RoomName } from "./RoomName";

export type RoomActions = {
  onJoin: (room: RoomId) => void;
  onBringBack: (room: RoomId) => void;
  onRename: (room: RoomId, name: string) => void;
  onOpenMenu: (id: ParticipantId, chip: HTMLElement) => void;
  onRemoveDocument: (room: RoomId, document: Document) => void;
};

type Props = ChipPermissions &
  ChipMarks & {
    id: RoomId;
    name: string;
    members: Participant[];
    staff: boolean;
    breakoutsOpen: boolean;
    /** May I move myself here (staff always; participants with free movement)? */
    canJoin: boolean;
    iAmHere: boolean;
    actions: RoomActions;
    /** The documents this room sees (its own and all-rooms ones). */
    documents: Document[];
  };

export const RoomCard = memo(function RoomCard(props: Props) {
  const { id, name, members, staff, breakoutsOpen, canJoin, iAmHere, actions } = props;
  const data: DropData = { location: { room: id }, label: name };
  const [showDocuments, setShowDocuments] = useState(false);
  // Staff manage every room's documents; a participant looks only at their own room's.
  const documentsVisible = staff || iAmHere;

  let joinHint: string | undefined;
  if (!breakoutsOpen) joinHint = "Breakout rooms are closed";
  else if (iAmHere) joinHint = "You are in this room";
  else if (!canJoin) joinHint = "The moderator has not allowed moving between rooms";

  return (
    <DropTarget
      as="section"
      dropId={`room-${id}`}
      data={data}
      className={iAmHere ? "room-card is-mine" : "room-card"}
      data-testid="room-card"
      data-room-id={id}
      aria-label={`${name}, ${members.length} ${members.length === 1 ? "participant" : "participants"}`}
    >
      <header className="room-card-header">
        <RoomName name={name} editable={staff} onRename={(next) => actions.onRename(id, next)} />
        <span className="room-card-tools">
          {documentsVisible && (
            <RoomDocumentsToggle
              room={id}
              expanded={showDocuments}
              count={props.documents.length}
              roomName={name}
              onToggle={() => setShowDocuments((shown) => !shown)}
            />
          )}
          <span className="count" data-testid="room-count-members" aria-hidden="true">
            {members.length}
          </span>
        </span>
      </header>
      {documentsVisible && showDocuments && (
        <RoomDocuments
          room={id}
          roomName={name}
          documents={props.documents}
          staff={staff}
          onRemove={(document) => actions.onRemoveDocument(id, document)}
        />
      )}
      <ChipList
        members={members}
        me={props.me}
        moveAnyone={props.moveAnyone}
        moveSelf={props.moveSelf}
        menuFor={props.menuFor}
        dragging={props.dragging}
        onOpenMenu={actions.onOpenMenu}
        empty={staff ? "Drop participants here" : "Nobody here yet"}
      />
      <footer className="room-card-actions">
        <button
          type="button"
          className="button small"
          data-testid="join-room"
          disabled={!canJoin || !breakoutsOpen || iAmHere}
          title={joinHint}
          onClick={() => actions.onJoin(id)}
        >
          {iAmHere ? "You're here" : "Join"}
        </button>
        {staff && (
          <button
            type="button"
            className="button small ghost"
            data-testid="bring-back-room"
            disabled={members.length === 0}
            title={members.length === 0 ? "Nobody is in this room" : `Bring everyone in ${name} back to the main room`}
            onClick={() => actions.onBringBack(id)}
          >
            Bring back
          </button>
        )}
      </footer>
    </DropTarget>
  );
});
