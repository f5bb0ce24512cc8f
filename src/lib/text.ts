/** Whether `text` holds a C0 control character, DEL or (with `spaces`) a space: never in an identifier. */
export function hasControlCharacters(text: string, options: { spaces?: boolean } = {}): boolean {
  const limit = options.spaces ? 0x20 : 0x1f;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= limit || code === 0x7f) return true;
  }
  return false;
}
