import { OAuthError, SdkHttpError, UnauthorizedError } from '@modelcontextprotocol/client';
import { isSensitiveName } from '../telemetry/redact';

/** A failure the client explains itself (the message is the whole story). */
export class ClientFailure extends Error {
  override name = 'ClientFailure';
}

export interface RecordedRequest {
  method: string;
  url: string;
  status?: number;
  /** an OAuth error body (RFC 6749 §5.2), when the answer carried one */
  oauthError?: { error: string; error_description?: string };
  networkError?: string;
  /** a metadata document that answered 200 but is not a JSON object */
  problem?: string;
  /** for the browser leg (the authorization response), what came back instead of an HTTP status */
  summary?: string;
}

const METADATA_PATH =
  /\/\.well-known\/(oauth-protected-resource|oauth-authorization-server|openid-configuration)/;

/**
 * A fetch that remembers every request it made (method, URL, status, OAuth error), so a failure can say
 * where it happened. Bodies other than OAuth error bodies are not kept: they may hold tokens.
 */
export function recordingFetch(base: typeof fetch, trail: RecordedRequest[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const entry: RecordedRequest = { method: request.method, url: redactUrl(request.url) };
    trail.push(entry);
    if (trail.length > 50) trail.shift();
    try {
      const response = await base(input, init);
      entry.status = response.status;
      if (response.ok && METADATA_PATH.test(entry.url))
        entry.problem = await metadataProblem(response.clone());
      if (!response.ok && (response.headers.get('content-type') ?? '').includes('json')) {
        try {
          const body = (await response.clone().json()) as Record<string, unknown>;
          if (typeof body.error === 'string')
            entry.oauthError = {
              error: body.error,
              ...(typeof body.error_description === 'string'
                ? { error_description: body.error_description }
                : {}),
            };
        } catch {
          // not JSON after all: nothing to report
        }
      }
      return response;
    } catch (error) {
      entry.networkError = describeNetworkError(error);
      throw error;
    }
  };
}

async function metadataProblem(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as unknown;
    return body && typeof body === 'object' && !Array.isArray(body) ? undefined : 'not a JSON object';
  } catch {
    return 'not JSON';
  }
}

/** Query parameters that carry secrets never reach a message. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // the same names the log scrubber hides (code, *token*, *secret*, verifier…)
    for (const name of [...parsed.searchParams.keys()])
      if (isSensitiveName(name)) parsed.searchParams.set(name, '…');
    return parsed.toString();
  } catch {
    return url;
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function describeRequest(entry: RecordedRequest): string {
  const outcome = entry.summary
    ? entry.summary
    : entry.networkError
      ? `failed: ${entry.networkError}`
      : entry.status !== undefined
        ? `HTTP ${entry.status}`
        : 'no answer';
  const oauth = entry.oauthError
    ? ` — ${entry.oauthError.error}${entry.oauthError.error_description ? `: ${entry.oauthError.error_description}` : ''}`
    : entry.problem
      ? ` — ${entry.problem}`
      : '';
  return `${entry.method} ${entry.url} → ${outcome}${oauth}`;
}

/** One readable paragraph: what failed, where (the request that failed, or the last one made), and why. */
export function describeFailure(error: unknown, trail: readonly RecordedRequest[]): string {
  // The last request made is where the flow stopped (discovery walks its candidate URLs in order).
  const last = trail.at(-1);
  let what: string;
  if (error instanceof ClientFailure) what = error.message;
  else if (error instanceof OAuthError) what = `OAuth error ${error.code}: ${error.message}`;
  else if (error instanceof UnauthorizedError) what = `not authorized: ${error.message}`;
  else if (error instanceof SdkHttpError) what = error.message;
  else if (error instanceof SyntaxError) what = `an answer that should be JSON is not: ${error.message}`;
  else what = error instanceof Error ? error.message : String(error);
  const lines = [what];
  // a broken metadata document is usually the real cause, even when the SDK carried on past it
  const broken = trail.find((entry) => entry.problem);
  if (broken) lines.push(`  broken metadata: ${describeRequest(broken)}`);
  if (last) lines.push(`  at: ${describeRequest(last)}`);
  // the few requests before it show which discovery path was taken
  const before = trail.slice(-6, -1);
  if (before.length > 0) lines.push('  after:', ...before.map((entry) => `    ${describeRequest(entry)}`));
  return lines.join('\n');
}
