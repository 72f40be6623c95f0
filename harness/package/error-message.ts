/** What a thrown value says: an Error's message, anything else as a string (a library may throw a string or an object). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
