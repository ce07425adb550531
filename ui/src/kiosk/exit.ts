/**
 * Leaving kiosk mode: the administrator's PIN lets the core allow it, then the window is asked to
 * close like any other; until then every close request is refused (see App.svelte).
 */
let leaving = false;

/** Whether the administrator chose to leave kiosk mode. */
export function isLeaving(): boolean {
  return leaving;
}

export function markLeaving(): void {
  leaving = true;
}
