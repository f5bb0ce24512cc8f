import type { AuditLog } from '../telemetry';
import type { Profile, UserDirectory } from './directory';
import type { IdentityGuard } from './guard';
import type { Identity, LoginFailureReason, UpstreamTokens } from './identity';
import { type AccessPolicy, evaluateAccess } from './policy';
import type { ProviderSettings } from './presets';
import type { User } from './user';

export interface LoginDeps {
  directory: UserDirectory;
  guard: IdentityGuard;
  policy: AccessPolicy;
  audit: AuditLog;
}

export type LoginOutcome = { ok: true; user: User } | { ok: false; reason: LoginFailureReason };

/**
 * The end of every login, whatever the IdP: apply the access policy, notice identity drift since the last
 * login (a changed email, or a user the policy no longer admits, loses every grant), then record the user.
 */
export async function completeLogin(
  deps: LoginDeps,
  provider: Pick<ProviderSettings, 'requireEmailVerified' | 'hostedDomain'>,
  identity: Identity,
  tokens: UpstreamTokens | undefined,
  ip: string,
): Promise<LoginOutcome> {
  const decision = evaluateAccess(deps.policy, provider, identity);
  const existing = await deps.directory.find(identity);
  // Blocked by an admin: everything was revoked at the block; no new session until unblocked.
  if (existing?.blockedAt) {
    await deps.audit.record({
      event: 'login.failed',
      userId: existing.id,
      ip,
      reason: 'blocked',
      details: { idp: identity.idp },
    });
    return { ok: false, reason: 'blocked' };
  }
  if (!decision.admitted) {
    if (existing) await deps.guard.revokeUser(existing.id, 'policy', decision.reason);
    await deps.audit.record({
      event: 'login.failed',
      userId: existing?.id ?? null,
      ip,
      reason: decision.reason,
      details: { idp: identity.idp },
    });
    return { ok: false, reason: decision.reason };
  }
  const profile: Profile = identity;
  if (existing) {
    const before = await deps.directory.profile(existing);
    await deps.guard.judge(existing.id, before, profile);
  }
  const { userId } = await deps.directory.recordLogin(profile, tokens);
  await deps.audit.record({
    event: 'login.succeeded',
    userId,
    ip,
    details: { idp: identity.idp, admin: decision.admin },
  });
  return {
    ok: true,
    user: {
      id: userId,
      email: identity.email.trim().toLowerCase(),
      name: identity.name,
      idp: identity.idp,
    },
  };
}

/** What the person sees for each failure: a status, a title and a message that never reveals the policy. */
export function loginFailurePage(reason: LoginFailureReason): {
  status: 400 | 401 | 403 | 502;
  title: string;
  message: string;
  refused: boolean;
} {
  switch (reason) {
    case 'state_invalid':
      return {
        status: 400,
        title: 'Sign-in expired',
        message:
          'This sign-in attempt expired, was already used, or was started in another browser. Start again.',
        refused: false,
      };
    case 'idp_denied':
      return {
        status: 403,
        title: 'Sign-in cancelled',
        message: 'The identity provider did not complete the sign-in.',
        refused: false,
      };
    case 'idp_unreachable':
      return {
        status: 502,
        title: 'Identity provider unavailable',
        message: 'The identity provider could not be reached. Nothing was changed; try again in a moment.',
        refused: false,
      };
    case 'idp_error':
      return {
        status: 502,
        title: 'Identity provider error',
        message:
          'The identity provider answered with something Gatehouse could not use. Nothing was changed.',
        refused: false,
      };
    case 'id_token_invalid':
      return {
        status: 401,
        title: 'Sign-in could not be verified',
        message: 'The identity provider’s answer failed verification, so you were not signed in.',
        refused: false,
      };
    case 'email_missing':
    case 'email_unverified':
    case 'hosted_domain':
    case 'not_admitted':
      return {
        status: 403,
        title: 'You are not admitted',
        message: 'Your account is not admitted to this Gatehouse.',
        refused: true,
      };
    case 'blocked':
      return {
        status: 403,
        title: 'Your access is blocked',
        message: 'An administrator of this Gatehouse blocked your account. Ask them to unblock it.',
        refused: true,
      };
  }
}
