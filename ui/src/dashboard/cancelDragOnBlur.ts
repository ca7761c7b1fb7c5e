// dnd-kit's pointer sensor cancels on Escape but not when the window loses focus; this adds the latter.
import { useEffect } from "react";

/** While `dragging`, a window blur cancels the drag the way Escape does (the sensor listens for it). */
export function useCancelDragOnBlur(dragging: boolean): void {
  useEffect(() => {
    if (!dragging) return;
    const cancel = () =>
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", code: "Escape", bubbles: true }));
    window.addEventListener("blur", cancel);
    return () => window.removeEventListener("blur", cancel);
  }, [dragging]);
}
