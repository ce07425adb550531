// The text size, 标准 / 大 / 特大 (100, 150 and 200 % of the standard text): one choice for the
// whole page, set as `data-text-size` on <html>, from which the style sheets scale the root font
// size and the line spacing, and reflow the layout. The desktop keeps it (`set_text_size`); a
// kiosk's citizen chooses it for the session only.
import type { TextSize } from '../api/bindings';

export type { TextSize };

export const TEXT_SIZES: readonly TextSize[] = ['standard', 'large', 'extra_large'];

/** The page's size now. */
export const textSize = $state<{ size: TextSize }>({ size: 'standard' });

/** Shows the page at `size`. */
export function applyTextSize(size: TextSize) {
  textSize.size = size;
  document.documentElement.dataset.textSize = size;
}

/** One step larger (`+1`) or smaller (`-1`), staying within the three sizes. */
export function stepped(size: TextSize, by: 1 | -1): TextSize {
  const i = TEXT_SIZES.indexOf(size) + by;
  return TEXT_SIZES[Math.min(TEXT_SIZES.length - 1, Math.max(0, i))]!;
}

/** What a key press asks of the text size, as the browsers' zoom keys: Ctrl (⌘ on a Mac) with
 *  = or + larger, with - smaller, with 0 back to standard; `null` for every other key. */
export function zoomKey(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>): 1 | -1 | 0 | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  switch (e.key) {
    case '=':
    case '+':
      return 1;
    case '-':
    case '_':
      return -1;
    case '0':
      return 0;
    default:
      return null;
  }
}

/** The size a zoom key leads to from `size`. */
export function afterZoomKey(size: TextSize, step: 1 | -1 | 0): TextSize {
  return step === 0 ? 'standard' : stepped(size, step);
}
