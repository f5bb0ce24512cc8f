import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** An error whose status and wire body are safe to show. Anything else becomes a bare 500. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly description: string,
  ) {
    super(description);
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

/** Reads a JSON object body; malformed JSON or a non-object is a 400, never a 500. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new HttpError(400, 'invalid_request', 'the request body is not valid JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_request', 'the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Whether the request's body is of `mediaType` (compared case-insensitively, parameters ignored). */
export function isMediaType(c: Context, mediaType: string): boolean {
  return (c.req.header('content-type') ?? '').toLowerCase().startsWith(mediaType);
}

/**
 * Reads an HTML form body. Gatehouse's forms post `application/x-www-form-urlencoded` only: any other
 * type is a 415 (a malformed multipart body can never reach a parser and become a 500). With `all`,
 * a repeated field is an array (checkboxes); otherwise the last value wins.
 */
export async function readHtmlForm(
  c: Context,
  options: { all?: boolean } = {},
): Promise<Record<string, string | string[]>> {
  if (!isMediaType(c, 'application/x-www-form-urlencoded'))
    throw new HttpError(
      415,
      'unsupported_media_type',
      'forms must be sent as application/x-www-form-urlencoded',
    );
  const form: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(await c.req.text())) {
    const previous = form[name];
    if (options.all && previous !== undefined)
      form[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
    else form[name] = value;
  }
  return form;
}

/** One field of a form read with `readHtmlForm` (its first value when repeated). */
export function formValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a repeated field (checkboxes), none when absent. */
export function formValues(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
