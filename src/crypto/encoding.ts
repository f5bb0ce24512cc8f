/** base64url without padding (RFC 4648 §5), the form used for every token and id on the wire. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export type Bytes = Uint8Array<ArrayBuffer>;

export function fromBase64Url(text: string): Bytes {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export const utf8 = {
  encode: (text: string): Bytes => new TextEncoder().encode(text),
  decode: (bytes: Uint8Array): string => new TextDecoder().decode(bytes),
};
