// Loads the app's own page afresh in place of the current one: the history keeps no entry to go
// back to, and nothing of the page before survives in memory.
export function reloadApp(): void {
  location.replace(new URL(import.meta.env.BASE_URL, location.href).href);
}
