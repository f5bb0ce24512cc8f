import type { Context } from 'hono';
import type { AppEnv } from '../http';
import { csrfToken } from '../identity/csrf';
import type { Session } from '../identity/session';
import { type IdentityDeps, viewerOf } from '../identity/web-session';
import { ConsentPage } from '../pages/consent-page';
import { type PendingAuthorization, redirectTarget } from './authorize';
import { nameMatchesHost } from './cimd';
import { type AuthorizationServerDeps, type GrantClaims, unseal } from './deps';
import { userHash } from './issue';

/** What the consent page needs to know about the client beyond the request (kept with the pending request). */
export interface PendingClient {
  name: string;
  kind: 'static' | 'dcr' | 'cimd';
  host?: string;
  /** the code goes to a program on the user's computer (loopback or private-use scheme redirect) */
  nativeRedirect: boolean;
  /** the client may hold a refresh token (renews its access without asking) */
  offline: boolean;
  firstParty?: true;
}

/** Scopes this user already gave this client at this resource (a step-up asks for more: those are marked new). */
async function heldScopes(deps: AuthorizationServerDeps, userId: string, clientId: string, resource: string) {
  const held = new Set<string>();
  for (const grant of await deps.grants.listByUser(await userHash(deps, userId), deps.now())) {
    if (grant.clientId !== clientId) continue;
    const claims = await unseal<GrantClaims>(deps, grant.sealed, `grant:${grant.id}`);
    if (claims.resource === resource) for (const scope of claims.scopes) held.add(scope);
  }
  return held;
}

/** Renders the consent page for a pending authorization (and again, with a note, when nothing was ticked). */
export async function renderConsent(
  c: Context<AppEnv>,
  deps: AuthorizationServerDeps,
  identity: IdentityDeps,
  input: { authz: string; session: Session; request: PendingAuthorization; client: PendingClient },
  note?: string,
) {
  const { authz, session, request, client } = input;
  const resource = deps.resources.find((r) => r.uri === request.resource);
  const held = await heldScopes(deps, session.user.id, request.clientId, request.resource);
  // The scope policy: what this user may not hold is shown, unavailable, with the reason, never granted.
  const verdicts = deps.scopePolicy
    ? await deps.scopePolicy.judge(session.user.id, request.resource, request.scopes)
    : [];
  const unavailable = new Map(verdicts.flatMap((v) => (v.allowed ? [] : [[v.name, v.reason] as const])));
  const noneLeft = request.scopes.every((name) => unavailable.has(name));
  const days = Math.round(deps.lifetimes.grantMaxMs / 86_400_000);
  c.header('Cache-Control', 'no-store'); // the page carries a CSRF token bound to this session
  return c.html(
    <ConsentPage
      viewer={await viewerOf(identity, session)}
      clientName={client.name}
      clientKind={client.kind}
      clientHost={client.host}
      nameMatchesHost={client.firstParty || !client.host || nameMatchesHost(client.name, client.host)}
      redirectHost={redirectTarget(request.redirectUri)}
      nativeRedirect={client.nativeRedirect}
      firstParty={client.firstParty === true}
      resourceName={resource?.name ?? request.resource}
      resourceUri={request.resource}
      scopes={request.scopes.map((name) => ({
        name,
        description: resource?.scopes.find((s) => s.name === name)?.description ?? name,
        held: held.has(name),
        unavailable: unavailable.get(name),
      }))}
      stepUp={held.size > 0 && request.scopes.some((name) => !held.has(name))}
      lasts={
        client.offline
          ? `until you revoke it on Connected apps, at most ${days} days: the client renews its access by itself (a refresh token), without asking you again`
          : `about ${Math.round(deps.lifetimes.accessMs / 60_000)} minutes (no refresh token): then the client must ask you again`
      }
      note={
        note ??
        (noneLeft ? 'None of the access asked for is available to you: Deny, or ask an admin.' : undefined)
      }
      userEmail={session.user.email}
      authz={authz}
      csrf={await csrfToken(identity.hmacKey, session.id, `consent:${authz}`)}
    />,
    note ? 400 : 200,
  );
}
