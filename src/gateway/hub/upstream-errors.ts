/** What the hub's OAuth client of upstream servers shares: its fetch shape, its error, a short reason. */

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Discovery or registration failed: the reason is shown to the user and the admin (a 502). */
export class UpstreamAuthError extends Error {
  override name = 'UpstreamAuthError';
  constructor(
    message: string,
    /** the upstream's OAuth error code, when it sent one (invalid_grant breaks a connection) */
    readonly oauthError?: string,
  ) {
    super(message);
  }
}

/** A short, single-line reason from an error or its cause (never a stack). */
export function reason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return (cause instanceof Error ? cause.message : String(cause)).slice(0, 300);
}
