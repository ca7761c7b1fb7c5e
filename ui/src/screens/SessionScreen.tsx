// Everything shown while in a session: top bar, connection banner, main room, and the dashboard on top.
import { useMemo } from "react";
import { CallBanner } from "../calls/CallBanner";
import { Dashboard } from "../dashboard/Dashboard";
import type { CallToAction } from "../generated/CallToAction";
import type { Location } from "../generated/Location";
import type { LiveView } from "../generated/LiveView";
import { indexSession } from "../session";
import { ConnectionBanner } from "./ConnectionStatus";
import { MainRoom } from "./MainRoom";
import { TopBar } from "./TopBar";

type Props = {
  view: LiveView;
  dashboardOpen: boolean;
  leaving: boolean;
  onOpenDashboard: () => void;
  onCloseDashboard: () => void;
  onLeave: () => void;
  /** Called before this user moves themselves, so the "you were moved" notice can be skipped. */
  onSelfMove: (to: Location) => void;
  onPrepare: () => void;
  /** Calls-to-action that reached me and are not dismissed yet. */
  calls: CallToAction[];
  onDismissCalls: () => void;
};

export function SessionScreen(props: Props) {
  const { view, dashboardOpen } = props;
  // Who is where, grouped once per view; both the list and the dashboard read it.
  const index = useMemo(() => indexSession(view.session), [view.session]);
  const myName = index.participants.get(view.me)?.name ?? "";

  return (
    <div className="session-screen">
      <TopBar
        title={view.session.title}
        myName={myName}
        role={view.role}
        connection={view.connection}
        security={view.security}
      />
      <ConnectionBanner connection={view.connection} />
      <CallBanner calls={props.calls} index={index} onDismiss={props.onDismissCalls} />
      <div className="session-body">
        <MainRoom
          view={view}
          index={index}
          covered={dashboardOpen}
          leaving={props.leaving}
          onOpenDashboard={props.onOpenDashboard}
          onLeave={props.onLeave}
          onPrepare={props.onPrepare}
          onSelfMove={props.onSelfMove}
        />
        {dashboardOpen && (
          <Dashboard view={view} index={index} onClose={props.onCloseDashboard} onSelfMove={props.onSelfMove} />
        )}
      </div>
    </div>
  );
}
