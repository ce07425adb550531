// 朗读: a question, its hint and its error, or what the citizen wrote, read aloud by the
// computer's own speech engine (the shell's `read_aloud`). One thing is read at a time; it stops
// when the citizen moves on: the focus goes to another question, or the question leaves the
// screen. Where the engine has no voice for the UI's language there is no button at all.
import { api } from '../api';
import type { Language } from '../api';

/** What can be read, and what is being read now (the reading block's id). */
export const readAloud = $state<{ languages: Language[] | null; reading: string | null }>({
  languages: null,
  reading: null,
});

let asked: Promise<void> | null = null;

/** Asks the shell once which languages have a voice (the buttons show when it has answered),
 *  and from then on stops reading when the citizen moves on. */
export function loadReadAloud(): Promise<void> {
  if (asked) return asked;
  stopWhenMovingOn();
  asked = api
    .readAloudLanguages()
    .then((languages) => {
      readAloud.languages = languages;
    })
    .catch(() => {
      readAloud.languages = [];
    });
  return asked;
}

/** Whether the UI's language `lang` can be read aloud here. */
export function canReadAloud(lang: Language): boolean {
  return readAloud.languages?.includes(lang) ?? false;
}

/** The words a reading block shows: its parts marked `data-read`, in page order, one a line,
 *  as the screen shows them (hidden parts are not read). */
export function spokenText(block: Element): string {
  return Array.from(block.querySelectorAll<HTMLElement>('[data-read]'))
    .map((el) => el.innerText.replace(/\s+/g, ' ').trim())
    .filter((t) => t.length > 0)
    .join('\n');
}

/** Reads `text` in `lang` as the block `id`; resolves when it has been read or stopped. A
 *  failure (the engine went away) is the error the shell gave, for the caller to show. */
export async function read(id: string, text: string, lang: Language): Promise<void> {
  readAloud.reading = id;
  try {
    await api.readAloud(text, lang);
  } finally {
    if (readAloud.reading === id) readAloud.reading = null;
  }
}

/** Stops reading (of the block `id` only, when given). */
export function stopReading(id?: string) {
  if (readAloud.reading === null || (id !== undefined && readAloud.reading !== id)) return;
  readAloud.reading = null;
  void api.stopReadingAloud();
}

/** The citizen moved on when the focus lands outside the block being read. */
export function movedOn(focused: EventTarget | null): boolean {
  const id = readAloud.reading;
  if (id === null || !(focused instanceof Node)) return false;
  const block = Array.from(document.querySelectorAll<HTMLElement>('[data-read-aloud]')).find(
    (b) => b.dataset.readAloud === id,
  );
  return !block || !block.contains(focused);
}

/** Stops reading whenever the focus moves out of the block being read (installed once). */
export function stopWhenMovingOn(): () => void {
  const onFocus = (e: FocusEvent) => {
    if (movedOn(e.target)) stopReading();
  };
  document.addEventListener('focusin', onFocus);
  return () => document.removeEventListener('focusin', onFocus);
}
