// The keyboard path for every drag: a menu of places ("Move Ana to…", "Share brief.pdf with…"); arrows move, Enter chooses, Escape closes.
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { KeyboardEvent } from "react";

/** One choice; `key` is what `onChoose` receives and what the item's data attribute carries. */
export type Choice = { key: string; label: string };

type Props = {
  /** "Move Ana to" — the menu's accessible name. */
  title: string;
  /** The key of the choice that is where the item already is, if any. */
  current?: string;
  options: Choice[];
  anchor: HTMLElement;
  /** Test ids of the menu and its items, and the data attribute carrying each item's key. */
  testIds: { menu: string; option: string; keyAttribute: string };
  onChoose: (key: string) => void;
  /** `refocus`: give focus back to the chip (Escape, Tab), rather than leave it where a click put it. */
  onClose: (refocus: boolean) => void;
};

const MENU_WIDTH = 240;
const GAP = 6;

export function ChoiceMenu({ title, current, options, anchor, testIds, onChoose, onClose }: Props) {
  const list = useRef<HTMLUListElement>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  const firstElsewhere = options.findIndex((option) => option.key !== current);
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
        onChoose(options[focused >= 0 ? focused : active].key);
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
        {title}…
      </div>
      <ul ref={list} role="menu" aria-label={title} data-testid={testIds.menu} onKeyDown={onKeyDown}>
        {options.map((option, i) => {
          const here = option.key === current;
          return (
            <li
              key={option.key}
              role="menuitem"
              tabIndex={i === active ? 0 : -1}
              data-testid={testIds.option}
              {...{ [testIds.keyAttribute]: option.key }}
              aria-current={here ? "location" : undefined}
              className={`move-option ${here ? "current" : ""}`}
              onClick={() => onChoose(option.key)}
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
