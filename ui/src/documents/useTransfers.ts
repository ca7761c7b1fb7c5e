// The live list of uploads and downloads (the Rust side sends the whole list on each change).
import { useEffect, useState } from "react";
import { api, followTransfers } from "../api";
import type { Transfer } from "../generated/Transfer";

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
