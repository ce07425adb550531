// Tabbing into a filled field selects all its text in WebKit, so the next key wipes what the
// citizen wrote. Here a field reached with its whole text selected gets the caret at the end
// instead; a selection the user makes afterwards (a double or triple click, Ctrl+A) stays.

const TEXT_INPUTS = new Set(['text', 'search', 'tel', 'email', 'url', 'password', '']);

function isTextField(el: EventTarget | null): el is HTMLInputElement | HTMLTextAreaElement {
  if (el instanceof HTMLTextAreaElement) return true;
  return el instanceof HTMLInputElement && TEXT_INPUTS.has(el.getAttribute('type') ?? '');
}

/** Puts the caret at the end of `field` when the whole of its text is selected. */
export function caretToEnd(field: HTMLInputElement | HTMLTextAreaElement): void {
  const length = field.value.length;
  if (length > 0 && field.selectionStart === 0 && field.selectionEnd === length) {
    field.setSelectionRange(length, length);
  }
}

/** Watches `doc` for focus moving into a text field; returns a function that stops it. */
export function keepCaretOnFocus(doc: Document): () => void {
  const onFocus = (e: FocusEvent) => {
    const field = e.target;
    if (!isTextField(field)) return;
    // WebKit selects the text after the focus event when focus came from the keyboard. (A
    // timer, not requestAnimationFrame: a window that is not painting gets no frames.)
    setTimeout(() => {
      if (doc.activeElement === field) caretToEnd(field);
    }, 0);
  };
  doc.addEventListener('focusin', onFocus);
  return () => doc.removeEventListener('focusin', onFocus);
}
