// Human-readable sizes and sharing labels for documents.
import type { Document } from "../generated/Document";
import type { Room } from "../generated/Room";
import type { RoomId } from "../generated/RoomId";

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

/** "All rooms", "Room 1, Room 3" or "Main room only". */
export function sharingLabel(document: Document, rooms: Map<RoomId, Room>): string {
  if (document.sharing.all_rooms) return "All rooms";
  if (document.sharing.rooms.length === 0) return "Main room only";
  return document.sharing.rooms.map((id) => rooms.get(id)?.name ?? `Room ${id}`).join(", ");
}
