// The live list of uploads and downloads (the Rust side sends the whole list on each change), and when each one finished.
import { useEffect, useState } from "react";
import { api, followTransfers } from "../api";
import type { Transfer } from "../generated/Transfer";

/** When this window first saw each transfer finished; shared, so a list mounted later does not show old ones again. */
const finishedAt = new Map<number, number>();

/** Milliseconds since `transfer` finished (0 while it runs or the first time it is seen finished). */
export function finishedFor(transfer: Transfer, now: number): number {
  if (transfer.state === "running") return 0;
  let at = finishedAt.get(transfer.id);
  if (at === undefined) {
    at = now;
    finishedAt.set(transfer.id, at);
  }
  return now - at;
}

/** Failed transfers the user dismissed (also shared between lists). */
export const dismissedTransfers = new Set<number>();

export function useTransfers(): Transfer[] {
  const [transfers, setTransfers] = useState<Transfer[]>([]);
  useEffect(() => {
    let seen = false;
    const stop = followTransfers((list) => {
      seen = true;
      setTransfers(list);
    });
    api.getTransfers().then((list) => !seen && setTransfers(list), () => {});
    return stop;
  }, []);
  return transfers;
}
