/**
 * Page shortcuts. Quiet while typing in a field; label hotkeys never override the
 * labeller's own keys (see RESERVED_KEYS).
 */
import { isTyping } from "../../lib/dom";

export interface KeyActions {
  overlayOpen: () => boolean;
  toggleOverlay: () => void;
  closeOverlay: () => void;
  undo: () => void;
  redo: () => void;
  markDone: () => void;
  next: () => void;
  prev: () => void;
  nextUnlabelled: () => void;
  deleteSelected: () => void;
  escape: () => void;
  tool: (name: "select" | "box" | "polygon" | "assist" | "brush" | "eraser" | "crop") => void;
  /** `[` (smaller) and `]` (larger): the brush and eraser size. */
  brushSize: (dir: 1 | -1) => void;
  /** X: the selected polygon becomes a mask, or the selected mask polygons. */
  convert: () => void;
  /** A key for the tool in use while it is busy (Enter closes a polygon); true when used. */
  toolKey?: (key: string) => boolean;
  zoom: (dir: 1 | -1) => void;
  fit: () => void;
  gold: () => void;
  space: (down: boolean) => void;
  /** A label hotkey ("1".."9" or a letter); `shift` picks the label for new boxes. */
  labelKey: (key: string, shift: boolean) => boolean;
  /** Review-mode keys (Shift+R, and A/R/Tab/N/Enter/Del while reviewing); true when handled. */
  review?: (key: string, shift: boolean) => boolean;
}

/** "Digit3" -> "3" so Shift+3 still names label 3 on any keyboard layout. */
function digitOf(e: KeyboardEvent): string | null {
  const m = /^(?:Digit|Numpad)([0-9])$/.exec(e.code);
  return m ? m[1]! : null;
}

export function bindKeys(a: KeyActions): () => void {
  const down = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || isTyping(e)) return;
    const key = e.key;
    const mod = e.ctrlKey || e.metaKey;
    const handled = (): void => e.preventDefault();

    if (a.overlayOpen()) {
      if (key === "Escape" || key === "?") {
        handled();
        a.closeOverlay();
      }
      return;
    }
    if (mod && !e.altKey) {
      const k = key.toLowerCase();
      if (k === "z") {
        handled();
        if (e.shiftKey) a.redo();
        else a.undo();
      } else if (k === "y") {
        handled();
        a.redo();
      } else if (key === "Enter") {
        handled();
        a.markDone();
      }
      return;
    }
    if (e.altKey) return;
    if (key === " ") {
      handled();
      if (!e.repeat) a.space(true);
      return;
    }
    if (key === "?") {
      handled();
      a.toggleOverlay();
      return;
    }
    if (a.review?.(key, e.shiftKey)) {
      handled();
      return;
    }
    const digit = digitOf(e);
    if (e.shiftKey && digit !== null && digit !== "0") {
      if (a.labelKey(digit, true)) handled();
      return;
    }
    if (a.toolKey?.(key)) {
      handled();
      return;
    }
    switch (key) {
      case "Delete":
      case "Backspace":
        handled();
        a.deleteSelected();
        return;
      case "Escape":
        handled();
        a.escape();
        return;
      case "ArrowRight":
        handled();
        a.next();
        return;
      case "ArrowLeft":
        handled();
        a.prev();
        return;
      case "[":
      case "]":
        handled();
        a.brushSize(key === "]" ? 1 : -1);
        return;
      case "+":
      case "=":
        handled();
        a.zoom(1);
        return;
      case "-":
      case "_":
        handled();
        a.zoom(-1);
        return;
    }
    if (e.shiftKey) {
      // Shift+letter picks a letter-hotkey label for new boxes.
      if (key.length === 1 && /[a-z]/i.test(key) && a.labelKey(key.toLowerCase(), true)) handled();
      return;
    }
    switch (key.toLowerCase()) {
      case "d": handled(); a.next(); return;
      case "a": handled(); a.prev(); return;
      case "n": handled(); a.nextUnlabelled(); return;
      case "m": handled(); a.markDone(); return;
      case "g": handled(); a.gold(); return;
      case "v": handled(); a.tool("select"); return;
      case "b": handled(); a.tool("box"); return;
      case "p": handled(); a.tool("polygon"); return;
      case "w": handled(); a.tool("assist"); return;
      case "k": handled(); a.tool("brush"); return;
      case "e": handled(); a.tool("eraser"); return;
      case "x": handled(); a.convert(); return;
      case "c": handled(); a.tool("crop"); return;
      case "f":
      case "0": handled(); a.fit(); return;
    }
    if (key.length === 1 && a.labelKey(digit ?? key, false)) handled();
  };
  const up = (e: KeyboardEvent): void => {
    if (e.key === " ") a.space(false);
  };
  const blur = (): void => a.space(false);
  document.addEventListener("keydown", down);
  document.addEventListener("keyup", up);
  window.addEventListener("blur", blur);
  return () => {
    document.removeEventListener("keydown", down);
    document.removeEventListener("keyup", up);
    window.removeEventListener("blur", blur);
  };
}
