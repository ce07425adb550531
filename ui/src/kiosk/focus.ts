// Dialogs keep the keyboard inside: the rest of the kiosk is `inert` while one is open, and Tab
// and Shift+Tab wrap around the dialog's own controls instead of leaving for the browser chrome.
const CONTROLS = 'button:not([disabled]), input:not([disabled]), textarea:not([disabled]), [href], [tabindex]:not([tabindex="-1"])';

export function trapFocus(node: HTMLElement) {
  function onKeydown(e: KeyboardEvent) {
    if (e.key !== 'Tab') return;
    const controls = [...node.querySelectorAll<HTMLElement>(CONTROLS)];
    const first = controls[0];
    const last = controls.at(-1);
    if (!first || !last) return;
    const inside = node.contains(document.activeElement);
    if (e.shiftKey && (document.activeElement === first || !inside)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
      e.preventDefault();
      first.focus();
    }
  }
  // On the document: a tap on the dialog's text can leave the focus on <body>, outside the node.
  document.addEventListener('keydown', onKeydown);
  return { destroy: () => document.removeEventListener('keydown', onKeydown) };
}
