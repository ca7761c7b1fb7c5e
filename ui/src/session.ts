// Pure helpers that derive what the screens show from a Session: who is where, labels, permissions.
import type { Document } from "./generated/Document";
import type { DocumentId } from "./generated/DocumentId";
import type { Location } from "./generated/Location";
import type { Participant } from "./generated/Participant";
import type { ParticipantId } from "./generated/ParticipantId";
import type { Role } from "./generated/Role";
import type { Room } from "./generated/Room";
import type { RoomId } from "./generated/RoomId";
import type { Session } from "./generated/Session";

export const MAIN = "main" as const;
export const MIN_ROOMS = 1;
export const MAX_ROOMS = 50;

/** A string key for a location: "main" or the room id. */
export function locationKey(location: Location): string {
  return location === MAIN ? MAIN : String(location.room);
}

export function sameLocation(a: Location, b: Location): boolean {
  return locationKey(a) === locationKey(b);
}

export function isStaff(role: Role): boolean {
  return role === "moderator" || role === "co_moderator";
}

export function roleLabel(role: Role): string {
  switch (role) {
    case "moderator":
      return "Moderator";
    case "co_moderator":
      return "Co-moderator";
    case "participant":
      return "Participant";
  }
}

/** Everything the screens look up by id, built once per view (O(n)). */
export type SessionIndex = {
  rooms: Map<RoomId, Room>;
  participants: Map<ParticipantId, Participant>;
  /** Participants by {@link locationKey}, in session order; every room has an entry (maybe empty). */
  byLocation: Map<string, Participant[]>;
  /** How many participants are in some breakout room. */
  inRooms: number;
  documents: Map<DocumentId, Document>;
};

export function indexSession(session: Session): SessionIndex {
  const rooms = new Map<RoomId, Room>();
  const byLocation = new Map<string, Participant[]>([[MAIN, []]]);
  for (const room of session.rooms) {
    rooms.set(room.id, room);
    byLocation.set(String(room.id), []);
  }
  const participants = new Map<ParticipantId, Participant>();
  let inRooms = 0;
  for (const participant of session.participants) {
    participants.set(participant.id, participant);
    const key = locationKey(participant.location);
    let list = byLocation.get(key);
    if (!list) {
      // A room this replica does not know (should not happen); keep the person visible.
      list = [];
      byLocation.set(key, list);
    }
    list.push(participant);
    if (key !== MAIN) inRooms += 1;
  }
  const documents = new Map(session.documents.map((document) => [document.id, document]));
  return { rooms, participants, byLocation, inRooms, documents };
}

/** "Main room" or the room's name. */
export function locationLabel(location: Location, rooms: Map<RoomId, Room>): string {
  if (location === MAIN) return "Main room";
  return rooms.get(location.room)?.name ?? `Room ${location.room}`;
}

/** "the main room" or the room's name, for use inside a sentence. */
export function locationInSentence(location: Location, rooms: Map<RoomId, Room>): string {
  return location === MAIN ? "the main room" : locationLabel(location, rooms);
}

/** May `role` (acting as `me`) move `participant` themselves, given the free-movement switch? */
export function canMove(
  role: Role,
  me: ParticipantId,
  participant: ParticipantId,
  freeMovement: boolean,
): boolean {
  return isStaff(role) || (participant === me && freeMovement);
}

/** A fresh auto-assign seed (any u32). */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
