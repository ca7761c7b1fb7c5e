// The only bridge to the Rust side: typed wrappers around Tauri commands and event subscriptions.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Command } from "./generated/Command";
import type { AppError } from "./generated/AppError";
import type { LiveView } from "./generated/LiveView";
import type { Notice } from "./generated/Notice";
import type { Settings } from "./generated/Settings";
import type { SettingsView } from "./generated/SettingsView";
import type { ApplyReport } from "./generated/ApplyReport";
import type { DocumentId } from "./generated/DocumentId";
import type { LibraryView } from "./generated/LibraryView";
import type { RoomPlan } from "./generated/RoomPlan";
import type { Transfer } from "./generated/Transfer";

/** Turns whatever a rejected invoke produced into the `{code, message}` shape the Rust side promises. */
export function toAppError(error: unknown): AppError {
  if (error && typeof error === "object" && "message" in error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return {
      code: typeof code === "string" ? code : "error",
      message: typeof message === "string" ? message : String(message),
    };
  }
  return { code: "error", message: typeof error === "string" ? error : "Something went wrong" };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toAppError(error);
  }
}

export const api = {
  getView: () => call<LiveView | null>("get_view"),
  takeLaunchInvite: () => call<string | null>("take_launch_invite"),
  getSettings: () => call<SettingsView>("get_settings"),
  // createKey: a new key for creating sessions on the hosted endpoint; "" removes it, null keeps it.
  saveSettings: (settings: Settings, createKey: string | null) =>
    call<SettingsView>("save_settings", { settings, createKey }),
  startSession: (title: string, name: string) => call<LiveView>("start_session", { title, name }),
  joinSession: (link: string, name: string) => call<LiveView>("join_session", { link, name }),
  /** Resolves with the session version the command reached; rejects with an {@link AppError}. */
  send: (command: Command) => call<number>("send", { command }),
  leaveSession: () => call<null>("leave_session"),
  /** New join codes (staff): old invite links stop working; resolves with the view holding the new links. */
  rotateCodes: () => call<LiveView>("rotate_codes"),
  /** Opens the native file dialog on the Rust side and starts an upload per picked file. */
  uploadDocuments: () => call<Transfer[]>("upload_documents"),
  uploadLibraryFiles: (names: string[]) => call<Transfer[]>("upload_library_files", { names }),
  cancelTransfer: (id: number) => call<null>("cancel_transfer", { id }),
  getTransfers: () => call<Transfer[]>("get_transfers"),
  openDocument: (document: DocumentId) => call<null>("open_document", { document }),
  /** Resolves with the saved path, or null when the user cancelled the save dialog. */
  saveDocument: (document: DocumentId) => call<string | null>("save_document", { document }),
  getLibrary: () => call<LibraryView>("get_library"),
  setLibraryFolder: (folder: string) => call<LibraryView>("set_library_folder", { folder }),
  chooseLibraryFolder: () => call<LibraryView>("choose_library_folder"),
  getPlan: () => call<RoomPlan>("get_plan"),
  savePlan: (plan: RoomPlan) => call<RoomPlan>("save_plan", { plan }),
  importPlanCsv: (text: string) => call<RoomPlan>("import_plan_csv", { text }),
  applyPlan: () => call<ApplyReport>("apply_plan"),
  /** Tells the Rust side when the first frame was painted; answers ms since the app started. */
  reportFirstPaint: (atMs: number) => call<number>("report_first_paint", { atMs }),
};

/** Calls `handler` with every payload of `event` until the returned function is called. */
function follow<T>(event: string, handler: (payload: T) => void): () => void {
  let stopped = false;
  let unlisten: UnlistenFn | null = null;
  listen<T>(event, (e) => handler(e.payload)).then(
    (fn) => (stopped ? fn() : (unlisten = fn)),
    (error) => console.error(`could not listen to ${event}`, error),
  );
  return () => {
    stopped = true;
    unlisten?.();
  };
}

/** Every upload and download, the whole list on each change. */
export const followTransfers = (handler: (transfers: Transfer[]) => void) => follow("transfers", handler);
/** The local library folder, on each change. */
export const followLibrary = (handler: (library: LibraryView) => void) => follow("library", handler);

export type Subscriptions = {
  onView: (view: LiveView) => void;
  onNotice: (notice: Notice) => void;
  onInvite: (link: string) => void;
};

/**
 * Listens to the app's events. `ready` settles once every listener is registered (ask for the current
 * view after that, so no change falls in between); `stop` ends listening, also before `ready`.
 */
export function subscribe(handlers: Subscriptions): { ready: Promise<void>; stop: () => void } {
  let stopped = false;
  let unlisteners: UnlistenFn[] = [];
  const ready = Promise.all([
    listen<LiveView>("view", (event) => handlers.onView(event.payload)),
    listen<Notice>("notice", (event) => handlers.onNotice(event.payload)),
    listen<string>("invite", (event) => handlers.onInvite(event.payload)),
  ]).then(
    (fns) => {
      if (stopped) fns.forEach((unlisten) => unlisten());
      else unlisteners = fns;
    },
    (error) => console.error("could not listen to app events", error),
  );
  const stop = () => {
    stopped = true;
    unlisteners.forEach((unlisten) => unlisten());
    unlisteners = [];
  };
  return { ready, stop };
}
