// Everyone in the session with presence, role and where they are (main room or a breakout room).
import { memo } from "react";
import type { Participant } from "../generated/Participant";
import type { ParticipantId } from "../generated/ParticipantId";
import type { Role } from "../generated/Role";
import { locationKey, locationLabel, roleLabel, type SessionIndex } from "../session";

type Props = {
  participants: Participant[];
  me: ParticipantId;
  index: SessionIndex;
};

export function ParticipantsList({ participants, me, index }: Props) {
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
          />
        ))}
      </ul>
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
};

const ParticipantRow = memo(function ParticipantRow({ id, name, role, online, isMe, where, inRoom }: RowProps) {
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
    </li>
  );
});
