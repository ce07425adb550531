/**
 * Kiosk mode's keyboard and pointer guard: the browser's own shortcuts (reload, back and forward,
 * zoom, print, find, save, devtools, new or closed windows) do nothing on a shared machine. The
 * app's own controls keep working: only combinations the app never uses are stopped.
 */

/** Whether a key event is a browser shortcut the kiosk refuses. */
export function isBlockedShortcut(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'> & { target?: EventTarget | null }): boolean {
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const mod = e.ctrlKey || e.metaKey;
  if (['F1', 'F3', 'F5', 'F6', 'F7', 'F11', 'F12', 'BrowserBack', 'BrowserForward', 'BrowserRefresh'].includes(key)) {
    return true;
  }
  if (e.altKey && ['ArrowLeft', 'ArrowRight', 'Home', 'F4'].includes(key)) return true;
  if (mod && ['r', 'p', 's', 'o', 'f', 'g', 'h', 'j', 'u', 'w', 'q', 'n', 't', 'l', 'd', '+', '=', '-', '_', '0'].includes(key)) {
    return true;
  }
  if (mod && e.shiftKey && ['i', 'c', 'k', 'delete'].includes(key)) return true;
  // Backspace outside a text field is "back" in some webviews.
  if (key === 'Backspace') {
    const t = e.target as HTMLElement | null | undefined;
    const editable = !!t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
    return !editable;
  }
  return false;
}

/** Installs the guard on `win`; returns what removes it. */
export function installGuard(win: Window): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (isBlockedShortcut(e)) {
      e.preventDefault();
      e.stopPropagation();
    }
  };
  // Ctrl + wheel and pinch are zoom.
  const onWheel = (e: WheelEvent) => {
    if (e.ctrlKey || e.metaKey) e.preventDefault();
  };
  const onGesture = (e: Event) => e.preventDefault();
  win.addEventListener('keydown', onKey, { capture: true });
  win.addEventListener('wheel', onWheel, { capture: true, passive: false });
  win.addEventListener('gesturestart', onGesture, { capture: true });
  return () => {
    win.removeEventListener('keydown', onKey, { capture: true });
    win.removeEventListener('wheel', onWheel, { capture: true });
    win.removeEventListener('gesturestart', onGesture, { capture: true });
  };
}
