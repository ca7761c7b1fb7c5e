// Sends a command and reports a refusal the one way the app does it: a toast plus a spoken message.
import { useCallback } from "react";
import { api } from "./api";
import { useAnnounce } from "./announcer";
import { useToast } from "./toasts";
import type { Command } from "./generated/Command";

export type SendReport = {
  /** Start of the toast when the command is refused: "Could not move Ana" → "Could not move Ana: …". */
  failure: string;
  /** Read out when the endpoint accepted it. */
  success?: string;
  /** Read out after the failure reason, e.g. where the person stays. */
  rollback?: string;
};

/** Returns `send(command, report)`, resolving to whether the endpoint accepted the command. */
export function useSend(): (command: Command, report: SendReport) => Promise<boolean> {
  const toast = useToast();
  const announce = useAnnounce();
  return useCallback(
    async (command, report) => {
      try {
        await api.send(command);
        if (report.success) announce(report.success);
        return true;
      } catch (error) {
        const { message } = error as { message: string };
        const text = `${report.failure}: ${message}`;
        toast({ text, tone: "error" });
        announce(report.rollback ? `${text}. ${report.rollback}` : text);
        return false;
      }
    },
    [toast, announce],
  );
}
