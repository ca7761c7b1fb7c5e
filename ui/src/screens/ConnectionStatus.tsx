// How the link to the endpoint is doing: a pill for the top bar and a banner while it is not online.
import type { ConnectionState } from "../generated/ConnectionState";

const PILL_TEXT: Record<ConnectionState["state"], string> = {
  online: "Online",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  removed: "Removed",
};

export function ConnectionPill({ connection }: { connection: ConnectionState }) {
  return (
    <span
      className={`pill connection-pill state-${connection.state}`}
      data-testid="connection-status"
      data-state={connection.state}
      role="status"
    >
      {PILL_TEXT[connection.state]}
    </span>
  );
}

export function ConnectionBanner({ connection }: { connection: ConnectionState }) {
  if (connection.state === "online") return null;
  let text: string;
  switch (connection.state) {
    case "connecting":
      text = "Connecting to the session…";
      break;
    case "reconnecting": {
      const seconds = Math.max(1, Math.round(connection.retry_in_ms / 1000));
      text = `Connection lost. Reconnecting… attempt ${connection.attempt} (next try in about ${seconds} s). Changes you make are sent once you are back.`;
      break;
    }
    case "offline":
      text = `Offline: ${connection.reason}. Leave and join again to continue.`;
      break;
    case "removed":
      text = `${connection.reason}. Your access has been revoked; you can leave now.`;
      break;
  }
  const stopped = connection.state === "offline" || connection.state === "removed";
  return (
    <div
      className={`banner banner-${connection.state}`}
      role={stopped ? "alert" : "status"}
      data-testid="connection-banner"
      data-state={connection.state}
    >
      {!stopped && <span className="spinner" aria-hidden="true" />}
      {text}
    </div>
  );
}
