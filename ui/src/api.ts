// The only bridge to the Rust side: typed wrappers around Tauri commands and event subscriptions.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Command } from "./generated/Command";
import type { AppError } from "./generated/AppError";
import type { LiveView } from "./generated/LiveView";
import type { Notice } from "./generated/Notice";
import type { Settings } from "./generated/Settings";
import type { SettingsView } from "./generated/SettingsView";

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
  saveSettings: (settings: Settings) => call<SettingsView>("save_settings", { settings }),
  startSession: (title: string, name: string) => call<LiveView>("start_session", { title, name }),
  joinSession: (link: string, name: string) => call<LiveView>("join_session", { link, name }),
  /** Resolves with the session version the command reached; rejects with an {@link AppError}. */
  send: (command: Command) => call<number>("send", { command }),
  leaveSession: () => call<null>("leave_session"),
};

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
