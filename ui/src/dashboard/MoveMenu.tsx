// The keyboard path for every drag: a "Move to…" menu of the main room and all rooms, anchored to a chip.
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import type { Location } from "../generated/Location";
import { locationKey } from "../session";

export type MoveOption = { location: Location; label: string };

type Props = {
  name: string;
  current: Location;
  options: MoveOption[];
  anchor: HTMLElement;
  onChoose: (to: Location) => void;
  /** `refocus`: give focus back to the chip (Escape, Tab), rather than leave it where a click put it. */
  onClose: (refocus: boolean) => void;
};

const MENU_WIDTH = 240;
const GAP = 6;

export function MoveMenu({ name, current, options, anchor, onChoose, onClose }: Props) {
  const list = useRef<HTMLUListElement>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  const currentKey = locationKey(current);
  const firstElsewhere = options.findIndex((option) => locationKey(option.location) !== currentKey);
  const [active, setActive] = useState(Math.max(0, firstElsewhere));
  const [position, setPosition] = useState<{ top: number; left: number; maxHeight: number }>({
    top: 0,
    left: 0,
    maxHeight: 320,
  });

  // Sit under the chip (or above it when there is no room below), inside the window.
  useLayoutEffect(() => {
    const rect = anchor.getBoundingClientRect();
    const below = window.innerHeight - rect.bottom - GAP * 2;
    const above = rect.top - GAP * 2;
    const placeBelow = below >= 200 || below >= above;
    const maxHeight = Math.max(120, Math.min(360, placeBelow ? below : above));
    const height = Math.min(maxHeight, wrapper.current?.offsetHeight ?? maxHeight);
    const top = placeBelow ? rect.bottom + GAP : rect.top - GAP - height;
    const left = Math.min(Math.max(GAP, rect.left), window.innerWidth - MENU_WIDTH - GAP);
    setPosition({ top, left, maxHeight });
  }, [anchor]);

  useEffect(() => {
    const item = list.current?.children[active] as HTMLElement | undefined;
    item?.focus();
  }, [active]);

  // A click elsewhere, a scroll or a resize closes the menu.
  useEffect(() => {
    const onPointerDown = (event: PointerEvent) => {
      if (!wrapper.current?.contains(event.target as Node)) onClose(false);
    };
    const onResize = () => onClose(false);
    document.addEventListener("pointerdown", onPointerDown, true);
    window.addEventListener("resize", onResize);
    return () => {
      document.removeEventListener("pointerdown", onPointerDown, true);
      window.removeEventListener("resize", onResize);
    };
  }, [onClose]);

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const last = options.length - 1;
    switch (event.key) {
      case "ArrowDown":
        setActive((i) => (i >= last ? 0 : i + 1));
        break;
      case "ArrowUp":
        setActive((i) => (i <= 0 ? last : i - 1));
        break;
      case "Home":
        setActive(0);
        break;
      case "End":
        setActive(last);
        break;
      case "Enter":
      case " ": {
        // The focused item is the choice (focus can move without the arrow keys, e.g. by a click).
        const focused = Array.from(list.current?.children ?? []).indexOf(event.target as Element);
        onChoose(options[focused >= 0 ? focused : active].location);
        break;
      }
      case "Escape":
        onClose(true);
        break;
      case "Tab":
        onClose(true);
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  return (
    <div
      ref={wrapper}
      className="move-menu"
      style={{ top: position.top, left: position.left, width: MENU_WIDTH, maxHeight: position.maxHeight }}
    >
      <div className="move-menu-title" aria-hidden="true">
        Move {name} to…
      </div>
      <ul
        ref={list}
        role="menu"
        aria-label={`Move ${name} to`}
        data-testid="move-menu"
        onKeyDown={onKeyDown}
      >
        {options.map((option, i) => {
          const key = locationKey(option.location);
          const here = key === currentKey;
          return (
            <li
              key={key}
              role="menuitem"
              tabIndex={i === active ? 0 : -1}
              data-testid="move-option"
              data-location={key}
              aria-current={here ? "location" : undefined}
              className={`move-option ${here ? "current" : ""}`}
              onClick={() => onChoose(option.location)}
              onMouseMove={() => i !== active && setActive(i)}
            >
              <span className="move-option-label">{option.label}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
