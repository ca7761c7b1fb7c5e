// The bar over every in-session screen: session title, who you are, and the connection pill.
import { memo } from "react";
import type { Role } from "../generated/Role";
import type { ConnectionState } from "../generated/ConnectionState";
import { roleLabel } from "../session";
import { ConnectionPill } from "./ConnectionStatus";

type Props = {
  title: string;
  myName: string;
  role: Role;
  connection: ConnectionState;
};

export const TopBar = memo(function TopBar({ title, myName, role, connection }: Props) {
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
        <ConnectionPill connection={connection} />
      </div>
    </header>
  );
});
