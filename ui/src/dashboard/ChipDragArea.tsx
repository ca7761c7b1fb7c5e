// The one drag source of all participant chips: a press on a movable chip registers just that chip with dnd-kit and hands it the press, so chips never subscribe to the drag context.
import { useLayoutEffect, useRef, useState, type PointerEvent, type ReactNode } from "react";
import { flushSync } from "react-dom";
import { useDraggable } from "@dnd-kit/core";
import type { ParticipantId } from "../generated/ParticipantId";
import type { ChipData } from "./announcements";

/** The pressed chip: its participant, its element and what announcements read. */
type Pressed = { id: ParticipantId; node: HTMLElement; data: ChipData };
type StartDrag = ((event: PointerEvent<HTMLElement>) => void) | undefined;

const CHIP = '[data-testid="participant-chip"]';
/** The draggable's id before any chip was pressed (disabled, without a node). */
const NO_CHIP = "no-chip";

type Props = { className: string; children: ReactNode };

/** Its children are made by its owner, so a drag re-renders this one element and never the chips. */
export function ChipDragArea({ className, children }: Props) {
  const [pressed, setPressed] = useState<Pressed | null>(null);
  const { listeners, setNodeRef, active } = useDraggable({
    id: pressed?.id ?? NO_CHIP,
    data: pressed?.data,
    disabled: pressed === null,
  });
  const startDrag = useRef<StartDrag>(undefined);
  useLayoutEffect(() => {
    setNodeRef(pressed?.node ?? null);
    // dnd-kit types its listeners as bare Functions; this one is its pointer sensor's onPointerDown.
    startDrag.current = listeners?.onPointerDown as StartDrag;
  });

  // The chip's text is exactly the name; a chip that may not be moved says so with aria-disabled.
  const onPointerDown = (event: PointerEvent<HTMLElement>) => {
    if (active) return; // a second press must not swap the chip being dragged
    const chip = (event.target as Element).closest<HTMLElement>(CHIP);
    if (!chip || chip.getAttribute("aria-disabled") === "true") return;
    const id: ParticipantId = Number(chip.dataset.participantId);
    // Register the chip now (layout effects run inside flushSync) so dnd-kit finds it for this press.
    flushSync(() => setPressed({ id, node: chip, data: { name: chip.textContent ?? "" } }));
    startDrag.current?.(event);
  };

  return (
    <div className={className} onPointerDown={onPointerDown}>
      {children}
    </div>
  );
}
