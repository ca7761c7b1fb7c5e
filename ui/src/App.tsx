// Chooses the screen (start or session), holds the live view, and turns app events into UI changes.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, subscribe } from "./api";
import type { Location } from "./generated/Location";
import { noticeToast } from "./notices";
import type { AppError } from "./generated/AppError";
import type { LiveView } from "./generated/LiveView";
import type { Notice } from "./generated/Notice";
import { SessionScreen } from "./screens/SessionScreen";
import { StartScreen } from "./screens/StartScreen";
import { PrepareScreen } from "./prepare/PrepareScreen";
import type { CallToAction } from "./generated/CallToAction";
import { isStaff, locationKey } from "./session";
import { useToast } from "./toasts";
import { useAnnounce } from "./announcer";

/** A session as one participant: views of a session we left are ignored if they arrive late. */
const viewKey = (view: LiveView) => `${view.session.id}/${view.me}`;
/** How long a move I made myself silences the "you were moved" notice it causes. */
const SELF_MOVE_MS = 10_000;

export function App() {
  const [view, setView] = useState<LiveView | null>(null);
  const [booting, setBooting] = useState(true);
  const [dashboardOpen, setDashboardOpen] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [invite, setInvite] = useState<{ link: string; nonce: number } | null>(null);
  const [preparing, setPreparing] = useState(false);
  const [calls, setCalls] = useState<CallToAction[]>([]);
  const toast = useToast();
  const announce = useAnnounce();

  const viewRef = useRef<LiveView | null>(null);
  viewRef.current = view;
  const leftKey = useRef<string | null>(null);
  const sawViewEvent = useRef(false);
  const selfMoves = useRef(new Map<string, number>());

  const showView = useCallback((next: LiveView) => {
    if (leftKey.current === viewKey(next)) return;
    setView(next);
  }, []);

  const onNotice = useCallback(
    (notice: Notice) => {
      const current = viewRef.current;
      if (notice.kind === "moved") {
        // I moved myself (Join, my own chip): the room change is no news to me.
        const key = locationKey(notice.to);
        const at = selfMoves.current.get(key);
        selfMoves.current.delete(key);
        if (at !== undefined && Date.now() - at < SELF_MOVE_MS) return;
      }
      // Help requests are for staff; a participant should never hear about someone else's.
      if (notice.kind === "help_requested" && current && !isStaff(current.role)) return;
      // A call-to-action gets the banner at the top instead of a toast.
      if (notice.kind === "call_to_action") setCalls((shown) => [...shown, notice.call]);
      else toast(noticeToast(notice, current));
      if (notice.kind === "breakouts_opened") setDashboardOpen(true);
      if (notice.kind === "breakouts_stopped" && current && !isStaff(current.role)) setDashboardOpen(false);
    },
    [toast],
  );

  const onInvite = useCallback(
    (link: string) => {
      setInvite({ link, nonce: Date.now() });
      if (viewRef.current) {
        toast({
          text: "You opened an invite link. Leave this session to join the other one; the link will be ready.",
          tone: "info",
        });
      }
    },
    [toast],
  );

  useEffect(() => {
    const events = subscribe({
      onView: (next) => {
        sawViewEvent.current = true;
        showView(next);
      },
      onNotice,
      onInvite,
    });
    let current = true;
    events.ready
      .then(() => (current ? Promise.all([api.getView(), api.takeLaunchInvite().catch(() => null)]) : null))
      .then((answers) => {
        if (!current || !answers) return;
        const [existing, launchInvite] = answers;
        // A view event that arrived meanwhile is newer than this answer.
        if (existing && !sawViewEvent.current) showView(existing);
        if (launchInvite) onInvite(launchInvite);
      })
      .catch((error: AppError) => {
        if (current) toast({ text: `Could not load the app state: ${error.message}`, tone: "error" });
      })
      .finally(() => current && setBooting(false));
    return () => {
      current = false;
      events.stop();
    };
  }, [showView, onNotice, onInvite, toast]);

  const entered = useCallback(
    (next: LiveView) => {
      leftKey.current = null;
      setDashboardOpen(false);
      setInvite(null);
      showView(next);
      announce(`You are in ${next.session.title}.`);
    },
    [showView, announce],
  );

  const leave = useCallback(async () => {
    const current = viewRef.current;
    if (!current) return;
    setLeaving(true);
    try {
      await api.leaveSession();
      leftKey.current = viewKey(current);
      setView(null);
      setDashboardOpen(false);
      setCalls([]);
      announce("You left the session.");
    } catch (error) {
      toast({ text: `Could not leave the session: ${(error as AppError).message}`, tone: "error" });
    } finally {
      setLeaving(false);
    }
  }, [toast, announce]);

  const noteSelfMove = useCallback((to: Location) => {
    selfMoves.current.set(locationKey(to), Date.now());
  }, []);

  if (booting) {
    return (
      <div className="boot" role="status">
        <span className="spinner" aria-hidden="true" /> Loading…
      </div>
    );
  }

  if (preparing) return <PrepareScreen view={view} onClose={() => setPreparing(false)} />;

  if (!view) return <StartScreen invite={invite} onEntered={entered} onPrepare={() => setPreparing(true)} />;

  return (
    <SessionScreen
      view={view}
      dashboardOpen={dashboardOpen}
      leaving={leaving}
      onOpenDashboard={() => setDashboardOpen(true)}
      onCloseDashboard={() => setDashboardOpen(false)}
      onLeave={leave}
      onSelfMove={noteSelfMove}
      onPrepare={() => setPreparing(true)}
      calls={calls}
      onDismissCalls={() => setCalls([])}
    />
  );
}
