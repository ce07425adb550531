// Input methods (pinyin, wubi, handwriting) compose text over several key presses. While they
// compose, the field holds unfinished text: it is not taken until the composition ends.
export function composing(e: Event): boolean {
  return 'isComposing' in e && (e as InputEvent).isComposing === true;
}
