import { api } from '../api';

// Bumped when the sync engine keeps a new catalogue of the bureau, so the form asks again for its
// places, agencies and categories.
export const catalogState = $state({ version: 0 });

/** A place as the citizen reads it: its path (陕西省 › 西安市 › 莲湖区), or the code itself when the
 *  list does not have it. */
export async function placeLabel(code: string): Promise<string> {
  if (!code) return '';
  const place = await api.chosenPlace(code);
  return place.path.at(-1)?.path ?? code;
}
