// Everyone in the session with presence, role and where they are (main room or a breakout room); staff can remove someone from here.
import { memo, useCallback, useState } from "react";
import { ConfirmDialog } from "../dashboard/ConfirmDialog";
import { useSend } from "../useSend";
import type { Participant } from "../generated/Participant";
import type { ParticipantId } from "../generated/ParticipantId";
import type { Role } from "../generated/Role";
import { locationKey, locationLabel, roleLabel, type SessionIndex } from "../session";

type Props = {
  participants: Participant[];
  me: ParticipantId;
  index: SessionIndex;
  /** Show "Remove" on other people's rows (staff; the endpoint decides who may remove whom). */
  canRemove: boolean;
};

export function ParticipantsList({ participants, me, index, canRemove }: Props) {
  const send = useSend();
  const [removing, setRemoving] = useState<{ id: ParticipantId; name: string } | null>(null);
  const askToRemove = useCallback((id: ParticipantId, name: string) => setRemoving({ id, name }), []);
  let online = 0;
  for (const participant of participants) if (participant.online) online += 1;
  return (
    <section className="panel participants-panel" aria-labelledby="participants-heading">
      <div className="panel-header">
        <h2 id="participants-heading">
          Participants <span className="count">{participants.length}</span>
        </h2>
        <span className="muted small">{online} online</span>
      </div>
      <ul className="participants-list" data-testid="participants-list">
        {participants.map((participant) => (
          <ParticipantRow
            key={participant.id}
            id={participant.id}
            name={participant.name}
            role={participant.role}
            online={participant.online}
            isMe={participant.id === me}
            where={locationLabel(participant.location, index.rooms)}
            inRoom={locationKey(participant.location) !== "main"}
            onRemove={canRemove && participant.id !== me ? askToRemove : undefined}
          />
        ))}
      </ul>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name} from the session?`}
          description={`${removing.name} is disconnected at once and cannot reconnect. To keep them from joining again with the invite link, also make new invite codes.`}
          confirmLabel="Remove from session"
          onConfirm={() =>
            send(
              { type: "remove_participant", participant: removing.id },
              { failure: `Could not remove ${removing.name}`, success: `${removing.name} was removed from the session.` },
            )
          }
          onClose={() => setRemoving(null)}
        />
      )}
    </section>
  );
}

type RowProps = {
  id: ParticipantId;
  name: string;
  role: Role;
  online: boolean;
  isMe: boolean;
  where: string;
  inRoom: boolean;
  onRemove?: (id: ParticipantId, name: string) => void;
};

const ParticipantRow = memo(function ParticipantRow(props: RowProps) {
  const { id, name, role, online, isMe, where, inRoom, onRemove } = props;
  return (
    <li className="participant-row" data-testid="participant-row" data-participant-id={id} data-online={online}>
      <span
        className={`presence-dot ${online ? "online" : "offline"}`}
        role="img"
        aria-label={online ? "online" : "offline"}
      />
      <span className="participant-name">
        <span data-testid="participant-name">{name}</span>
        {isMe && <span className="you-marker"> (you)</span>}
      </span>
      {role !== "participant" && <span className={`role-badge role-${role}`}>{roleLabel(role)}</span>}
      <span className={`location ${inRoom ? "in-room" : ""}`} data-testid="participant-location">
        {where}
      </span>
      {onRemove && (
        <button
          type="button"
          className="button ghost small remove-participant"
          data-testid="remove-participant"
          aria-label={`Remove ${name} from the session`}
          title="Remove from session"
          onClick={() => onRemove(id, name)}
        >
          Remove
        </button>
      )}
    </li>
  );
});
