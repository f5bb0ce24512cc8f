/**
 * The same base64url text with its third-last character changed. Changing the last character is not
 * enough: it may carry only padding bits, which decoders ignore, so the "tampered" value still opens and
 * the test fails now and then. A character that is not the last always carries six data bits, and 'A'
 * and 'B' differ in one of them.
 */
export function tamperBase64Url(text: string): string {
  const at = text.length - 3;
  return `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
}
