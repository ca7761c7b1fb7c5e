// The breakout dashboard: the main room and one card per room, with drag-and-drop and staff controls.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  DndContext,
  DragOverlay,
  PointerSensor,
  useSensor,
  useSensors,
  type DragEndEvent,
  type DragStartEvent,
} from "@dnd-kit/core";
import type { Document } from "../generated/Document";
import type { Location } from "../generated/Location";
import type { ParticipantId } from "../generated/ParticipantId";
import type { RoomId } from "../generated/RoomId";
import type { LiveView } from "../generated/LiveView";
import {
  MAIN,
  canMove,
  isStaff,
  locationKey,
  locationLabel,
  sameLocation,
  type SessionIndex,
} from "../session";
import { useSend, type SendReport } from "../useSend";
import { announcements, DRAG_INSTRUCTIONS_ID, screenReaderInstructions, type DropData } from "./announcements";
import { useCancelDragOnBlur } from "./cancelDragOnBlur";
import { ChipDragArea } from "./ChipDragArea";
import type { ChipMarks } from "./ChipList";
import { MainRoomArea } from "./MainRoomArea";
import { CallButton } from "../calls/CallDialog";
import { DocumentsPanel } from "../documents/DocumentsPanel";
import { AskForHelp } from "../help/AskForHelp";
import { HelpQueue } from "../help/HelpQueue";
import { trackDragFrames } from "../perf";
import { ChoiceMenu, type Choice } from "./ChoiceMenu";
import { collisionByKind, isDocumentDrag, isDocumentDrop } from "./dragData";
import { ALL_ROOMS, LibraryColumn } from "./LibraryColumn";
import { ShareDialog } from "./ShareDialog";
import { RoomCard, type RoomActions } from "./RoomCard";
import { StaffControls } from "./StaffControls";

type Props = {
  view: LiveView;
  index: SessionIndex;
  onClose: () => void;
  onSelfMove: (to: Location) => void;
};

type OpenMenu = { id: ParticipantId; anchor: HTMLElement };

const NOBODY: never[] = [];
const MOVE_MENU = { menu: "move-menu", option: "move-option", keyAttribute: "data-location" };
/** How long after a keyboard move the chip keeps its focus when it reappears in another card. */
const REFOCUS_MS = 3000;

export function Dashboard({ view, index, onClose, onSelfMove }: Props) {
  const { session, me, role } = view;
  const staff = isStaff(role);
  const open = session.breakouts.state === "open";
  const freeMovement = session.free_movement;
  const send = useSend();

  const root = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const [menu, setMenu] = useState<OpenMenu | null>(null);
  const [dragging, setDragging] = useState<ParticipantId | null>(null);
  const [draggingDocument, setDraggingDocument] = useState<string | null>(null);
  const [sharing, setSharing] = useState(false);
  const refocus = useRef<{ id: ParticipantId; until: number } | null>(null);

  // Callbacks below read the latest view through refs so chips can keep stable props.
  const latest = useRef({ index, me, onSelfMove, send });
  latest.current = { index, me, onSelfMove, send };

  useCancelDragOnBlur(dragging !== null || draggingDocument !== null);
  useEffect(() => (dragging !== null ? trackDragFrames() : undefined), [dragging]);

  // Focus the dashboard when it opens; give focus back to where it was when it closes.
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    heading.current?.focus();
    return () => {
      if (before && before.isConnected) before.focus();
    };
  }, []);

  const move = useCallback((id: ParticipantId, to: Location, report?: Partial<SendReport>) => {
    const { index, me, onSelfMove, send } = latest.current;
    const participant = index.participants.get(id);
    if (!participant || sameLocation(participant.location, to)) return;
    const from = locationLabel(participant.location, index.rooms);
    const target = locationLabel(to, index.rooms);
    if (id === me) onSelfMove(to);
    void send(
      { type: "move", participant: id, to },
      {
        failure: `Could not move ${participant.name}`,
        success: `Moved ${participant.name} to ${target}`,
        rollback: `${participant.name} stays in ${from}.`,
        ...report,
      },
    );
  }, []);

  const openMenu = useCallback((id: ParticipantId, anchor: HTMLElement) => setMenu({ id, anchor }), []);

  const closeMenu = useCallback(
    (giveFocusBack: boolean) => {
      if (giveFocusBack && menu?.anchor.isConnected) menu.anchor.focus();
      setMenu(null);
    },
    [menu],
  );

  const chooseFromMenu = (key: string) => {
    if (!menu) return;
    const to: Location = key === MAIN ? MAIN : { room: Number(key) };
    menu.anchor.focus();
    setMenu(null);
    refocus.current = { id: menu.id, until: Date.now() + REFOCUS_MS };
    move(menu.id, to);
  };

  // After a keyboard move the chip is re-created in its new place: keep the keyboard user's focus on it.
  useEffect(() => {
    const pending = refocus.current;
    if (!pending) return;
    if (Date.now() > pending.until) {
      refocus.current = null;
      return;
    }
    const focused = document.activeElement;
    if (focused && focused !== document.body && root.current?.contains(focused)) return;
    const chip = root.current?.querySelector<HTMLElement>(
      `[data-testid="participant-chip"][data-participant-id="${pending.id}"]`,
    );
    chip?.focus();
  }, [session]);

  // Close the menu when its person left or may no longer be moved by me.
  useEffect(() => {
    if (menu && !canMove(role, me, menu.id, freeMovement)) setMenu(null);
    else if (menu && !index.participants.has(menu.id)) setMenu(null);
  }, [menu, role, me, freeMovement, index]);

  const actions: RoomActions = useMemo(
    () => ({
      onJoin: (room: RoomId) => {
        const { index, me } = latest.current;
        const name = locationLabel({ room }, index.rooms);
        move(me, { room }, { failure: `Could not join ${name}`, success: `You joined ${name}` });
      },
      onBringBack: (room: RoomId) => {
        const name = locationLabel({ room }, latest.current.index.rooms);
        void latest.current.send(
          { type: "bring_back", target: { rooms: [room] } },
          { failure: `Could not bring ${name} back`, success: `Everyone in ${name} was brought back to the main room.` },
        );
      },
      onRename: (room: RoomId, name: string) => {
        const old = locationLabel({ room }, latest.current.index.rooms);
        void latest.current.send(
          { type: "rename_room", room, name },
          { failure: `Could not rename ${old}`, success: `${old} is now called ${name}.` },
        );
      },
      onOpenMenu: openMenu,
      onRemoveDocument: (room: RoomId, document: Document) => {
        const name = locationLabel({ room }, latest.current.index.rooms);
        void latest.current.send(
          { type: "unshare_document", document: document.id, target: { rooms: [room] } },
          { failure: `Could not remove ${document.name}`, success: `${document.name} is no longer shared with ${name}.` },
        );
      },
    }),
    [move, openMenu],
  );

  const share = useCallback((document: Document, target: string) => {
    const { index, send } = latest.current;
    const all = target === ALL_ROOMS;
    const name = all ? "all rooms" : locationLabel({ room: Number(target) }, index.rooms);
    void send(
      { type: "share_document", document: document.id, target: all ? "all" : { rooms: [Number(target)] } },
      { failure: `Could not share ${document.name}`, success: `${document.name} is shared with ${name}.` },
    );
  }, []);

  // What each room sees: its own documents and the all-rooms ones.
  const documentsByRoom = useMemo(() => {
    const map = new Map<RoomId, Document[]>();
    for (const room of session.rooms) {
      map.set(
        room.id,
        session.documents.filter((d) => d.sharing.all_rooms || d.sharing.rooms.includes(room.id)),
      );
    }
    return map;
  }, [session.rooms, session.documents]);

  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 5 } }));

  const onDragStart = useCallback((event: DragStartEvent) => {
    setMenu(null);
    const data = event.active.data.current;
    if (isDocumentDrag(data)) setDraggingDocument(data.name);
    else setDragging(event.active.id as ParticipantId);
  }, []);

  const onDragEnd = useCallback(
    ({ active, over }: DragEndEvent) => {
      setDragging(null);
      setDraggingDocument(null);
      const dragged = active.data.current;
      const target = over?.data.current;
      if (isDocumentDrag(dragged)) {
        const document = latest.current.index.documents.get(dragged.documentId);
        if (document && isDocumentDrop(target)) share(document, String(target.room));
        return;
      }
      if (target) move(active.id as ParticipantId, (target as DropData).location);
    },
    [move, share],
  );

  const onDragCancel = useCallback(() => {
    setDragging(null);
    setDraggingDocument(null);
  }, []);

  const menuOptions: Choice[] = useMemo(
    () => [
      { key: MAIN, label: "Main room" },
      ...session.rooms.map((room) => ({ key: String(room.id), label: room.name })),
    ],
    [session.rooms],
  );

  const menuFor = menu?.id ?? null;
  const menuPerson = menu ? index.participants.get(menu.id) : undefined;
  const draggedPerson = dragging !== null ? index.participants.get(dragging) : undefined;
  const menuPlace = menuPerson ? locationKey(menuPerson.location) : null;
  const dragPlace = draggedPerson ? locationKey(draggedPerson.location) : null;
  // Only the place holding the marked chip gets its id, so no other place re-renders for it.
  const marksIn = (place: string): ChipMarks => ({
    menuFor: place === menuPlace ? menuFor : null,
    dragging: place === dragPlace ? dragging : null,
  });
  const myPlace = index.participants.get(me)?.location ?? MAIN;
  const myKey = locationKey(myPlace);
  const permissions = { me, moveAnyone: staff, moveSelf: !staff && freeMovement };
  const total = session.participants.length;
  const roomCount = session.rooms.length;
  const endsAt = session.breakouts.state === "open" ? session.breakouts.ends_at : null;

  return (
    <section
      ref={root}
      className="dashboard"
      data-testid="dashboard"
      data-breakouts={session.breakouts.state}
      aria-labelledby="dashboard-heading"
    >
      <header className="dashboard-header">
        <div className="dashboard-title">
          <h2 id="dashboard-heading" ref={heading} tabIndex={-1}>
            Breakout rooms
          </h2>
          <span
            className={`pill breakouts-state ${open ? "state-online" : "state-closed"}`}
            data-testid="breakouts-state"
            data-state={session.breakouts.state}
          >
            {open ? "Open" : "Closed"}
          </span>
          {endsAt !== null && (
            <span className="muted small">
              Closes at {new Date(endsAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
            </span>
          )}
        </div>
        <p className="muted small dashboard-summary">
          {total} {total === 1 ? "person" : "people"} · {roomCount} {roomCount === 1 ? "room" : "rooms"} ·{" "}
          {index.inRooms} in rooms
        </p>
        {staff && (
          <div className="dashboard-header-actions">
            <button type="button" className="button" data-testid="share-documents" onClick={() => setSharing(true)}>
              Share documents
            </button>
            <CallButton view={view} index={index} />
          </div>
        )}
      </header>
      {sharing && <ShareDialog documents={session.documents} send={send} onClose={() => setSharing(false)} />}

      {staff ? (
        <StaffControls
          open={open}
          roomCount={roomCount}
          freeMovement={freeMovement}
          anyoneInRooms={index.inRooms > 0}
          send={send}
        />
      ) : (
        <p className="dashboard-hint" data-testid="dashboard-hint">
          {!open
            ? "The moderator has not opened the breakout rooms yet."
            : freeMovement
              ? "You can move between rooms: drag your name to a room, or use Join."
              : "The moderator decides who goes to which room."}
        </p>
      )}

      {staff && !open && roomCount > 0 && (
        <p className="dashboard-hint">Rooms are closed. Open them to move people into rooms.</p>
      )}

      <DndContext
        id={DRAG_INSTRUCTIONS_ID}
        sensors={sensors}
        collisionDetection={collisionByKind}
        accessibility={{ announcements, screenReaderInstructions }}
        onDragStart={onDragStart}
        onDragEnd={onDragEnd}
        onDragCancel={onDragCancel}
      >
        <ChipDragArea className="dashboard-body">
          <MainRoomArea
            members={index.byLocation.get(MAIN) ?? NOBODY}
            onOpenMenu={openMenu}
            {...marksIn(MAIN)}
            {...permissions}
          />
          <div className="rooms-grid" data-testid="rooms-grid">
            {roomCount === 0 && (
              <p className="rooms-empty muted">
                {staff
                  ? "No breakout rooms yet. Choose how many rooms you need and open them."
                  : "There are no breakout rooms yet."}
              </p>
            )}
            {session.rooms.map((room) => (
              <RoomCard
                key={room.id}
                id={room.id}
                name={room.name}
                members={index.byLocation.get(String(room.id)) ?? NOBODY}
                staff={staff}
                breakoutsOpen={open}
                canJoin={staff || freeMovement}
                iAmHere={myKey === String(room.id)}
                {...marksIn(String(room.id))}
                actions={actions}
                documents={documentsByRoom.get(room.id) ?? NOBODY}
                {...permissions}
              />
            ))}
          </div>
          <aside className="dashboard-side">
            {staff ? (
              <>
                <HelpQueue view={view} index={index} onSelfMove={onSelfMove} />
                <LibraryColumn
                  documents={session.documents}
                  rooms={session.rooms}
                  roomsById={index.rooms}
                  onShare={share}
                />
              </>
            ) : (
              <>
                <AskForHelp view={view} index={index} />
                <DocumentsPanel view={view} index={index} />
              </>
            )}
          </aside>
        </ChipDragArea>
        <DragOverlay dropAnimation={null}>
          {draggedPerson ? (
            <div className={`chip chip-overlay ${draggedPerson.online ? "online" : "offline"}`} aria-hidden="true">
              {draggedPerson.name}
            </div>
          ) : draggingDocument !== null ? (
            <div className="chip chip-overlay" aria-hidden="true">
              {draggingDocument}
            </div>
          ) : null}
        </DragOverlay>
      </DndContext>

      {menu && menuPerson && (
        <ChoiceMenu
          title={`Move ${menuPerson.name} to`}
          current={locationKey(menuPerson.location)}
          options={menuOptions}
          testIds={MOVE_MENU}
          anchor={menu.anchor}
          onChoose={chooseFromMenu}
          onClose={closeMenu}
        />
      )}

      <footer className="dashboard-footer">
        <button type="button" className="button" data-testid="close-dashboard" onClick={onClose}>
          Close
        </button>
      </footer>
    </section>
  );
}
