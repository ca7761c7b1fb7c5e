// The bar over every in-session screen: session title, who you are, and the connection pill.
import { memo } from "react";
import type { Role } from "../generated/Role";
import type { ConnectionState } from "../generated/ConnectionState";
import type { LinkSecurity } from "../generated/LinkSecurity";
import { roleLabel } from "../session";
import { ConnectionPill } from "./ConnectionStatus";

type Props = {
  title: string;
  myName: string;
  role: Role;
  connection: ConnectionState;
  security: LinkSecurity;
};

export const TopBar = memo(function TopBar({ title, myName, role, connection, security }: Props) {
  return (
    <header className="top-bar">
      <div className="top-bar-title">
        <h1 data-testid="session-title">{title}</h1>
      </div>
      <div className="top-bar-me">
        <span className="me-name" data-testid="my-name">
          {myName}
        </span>
        <span className={`role-badge role-${role}`} data-testid="my-role" data-role={role}>
          {roleLabel(role)}
        </span>
        {security === "not_encrypted" && (
          <span
            className="security-mark"
            data-testid="not-encrypted"
            title="The link to the endpoint is plain http: anyone on this network can read it. Use https:// or let the app host the session on your network."
          >
            Not encrypted
          </span>
        )}
        <ConnectionPill connection={connection} />
      </div>
    </header>
  );
});
