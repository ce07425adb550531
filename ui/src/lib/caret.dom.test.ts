import { afterEach, describe, expect, it } from 'vitest';
import { keepCaretOnFocus } from './caret';

let stop: (() => void) | null = null;
afterEach(() => {
  stop?.();
  stop = null;
  document.body.innerHTML = '';
});

function frame(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

describe('a field reached by focus', () => {
  it('gets the caret at the end, not its whole text selected', async () => {
    stop = keepCaretOnFocus(document);
    document.body.innerHTML = '<input id="a" type="text" value="王丽华"><textarea id="b">小区门前道路</textarea>';
    for (const id of ['a', 'b']) {
      const field = document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement;
      field.addEventListener('focus', () => field.select());
      field.focus();
      // The browser's select-all after focus (WebKit does it after the focus event).
      field.select();
      await frame();
      expect([field.selectionStart, field.selectionEnd]).toEqual([field.value.length, field.value.length]);
    }
  });

  it('leaves a selection the user makes later, and other inputs alone', async () => {
    stop = keepCaretOnFocus(document);
    document.body.innerHTML = '<input id="a" type="text" value="道路"><input id="n" type="number" value="12">';
    const field = document.getElementById('a') as HTMLInputElement;
    field.focus();
    await frame();
    field.select();
    expect([field.selectionStart, field.selectionEnd]).toEqual([0, 2]);
  });
});
