/** Whether `text` holds a C0 control character, DEL or (with `spaces`) a space: never in an identifier. */
export function hasControlCharacters(text: string, options: { spaces?: boolean } = {}): boolean {
  const limit = options.spaces ? 0x20 : 0x1f;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= limit || code === 0x7f) return true;
  }
  return false;
}

/**
 * Removes what can make a displayed name lie: control characters and the Unicode bidirectional controls
 * (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069), with which "moc.elgoog" can show as "google.com".
 */
export function withoutControls(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const control = code <= 0x1f || (code >= 0x7f && code <= 0x9f);
    const bidi =
      code === 0x061c ||
      code === 0x200e ||
      code === 0x200f ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069);
    if (!control && !bidi) out += char;
  }
  return out;
}
