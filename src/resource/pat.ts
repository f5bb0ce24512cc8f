import { type HmacKey, hmacSha256, type KeyRing, randomId, sha256 } from '../crypto';
import type { ScopePolicy } from '../identity/scope-policy';
import { type ProtectedResource, resourcePath } from '../oauth/resource';
import type { PatRecord, PatStore } from './store';

/** Personal access tokens: `gth_` + 256 random bits, shown once, stored as SHA-256 (DESIGN §3). */
export const PAT_PREFIX = 'gth_';
const PREFIX_SHOWN = 12; // "gth_" + 8 characters: enough to tell tokens apart, nothing to guess with
const TOUCH_INTERVAL_MS = 60_000;

export interface PatPolicy {
  requireExpiry: boolean;
  defaultLifetimeDays: number;
  maxLifetimeDays: number;
}

export interface PatDeps {
  store: PatStore;
  keyRing: KeyRing;
  hmacKey: HmacKey;
  now: () => number;
  resources: readonly ProtectedResource[];
  policy: PatPolicy;
  /** a revoked token's hash, so caches drop it */
  onRevoked?: (tokenHash: string) => void;
  /** who may hold which scope; absent when no scope has a rule */
  scopePolicy?: ScopePolicy;
}

/** Sealed in the row (AES-GCM, `pat:<id>` as associated data). */
export interface PatClaims {
  userId: string;
  name: string;
  scopes: string[];
  /** the canonical URI of the one resource the token is for (its audience) */
  resource: string;
}

export interface PatRequest {
  name: unknown;
  resourcePath: unknown;
  scopes: unknown[];
  /** days, or null for no expiry (only when the policy allows it) */
  expiresInDays: number | null;
}

export type PatRequestCheck =
  | { ok: true; name: string; resource: ProtectedResource; scopes: string[]; expiresInDays: number | null }
  | { ok: false; reason: string };

/** Validates a token request against the endpoints and the policy. Pure. */
export function checkPatRequest(
  request: PatRequest,
  resources: readonly ProtectedResource[],
  policy: PatPolicy,
): PatRequestCheck {
  const name = typeof request.name === 'string' ? request.name.trim() : '';
  if (name.length < 1 || name.length > 100)
    return { ok: false, reason: 'Give the token a name (1–100 characters).' };
  const resource = resources.find((r) => r.path === request.resourcePath);
  if (!resource || !(resource.auth ?? ['oauth', 'pat']).includes('pat'))
    return { ok: false, reason: 'That endpoint does not accept personal access tokens.' };
  const known = new Set(resource.scopes.map((scope) => scope.name));
  const scopes = [...new Set(request.scopes.filter((s): s is string => typeof s === 'string'))];
  if (scopes.length === 0) return { ok: false, reason: 'Choose at least one scope.' };
  const unknown = scopes.find((scope) => !known.has(scope));
  if (unknown) return { ok: false, reason: `${unknown} is not a scope of ${resource.path}.` };
  const days = request.expiresInDays;
  if (days === null) {
    if (policy.requireExpiry) return { ok: false, reason: 'Tokens must expire on this server.' };
  } else if (!Number.isInteger(days) || days < 1 || days > policy.maxLifetimeDays) {
    return { ok: false, reason: `The expiry must be 1 to ${policy.maxLifetimeDays} days.` };
  }
  return { ok: true, name, resource, scopes, expiresInDays: days };
}

export function patOwner(deps: Pick<PatDeps, 'hmacKey'>, userId: string): Promise<string> {
  return hmacSha256(deps.hmacKey, `user|${userId}`);
}

export async function createPat(
  deps: PatDeps,
  userId: string,
  request: PatRequest,
): Promise<
  { ok: true; token: string; id: string; expiresAt: number | null } | { ok: false; reason: string }
> {
  const check = checkPatRequest(request, deps.resources, deps.policy);
  if (!check.ok) return check;
  // The scope policy: a token never holds what its owner may not.
  const refused = deps.scopePolicy
    ? (await deps.scopePolicy.judge(userId, check.resource.uri, check.scopes)).find((v) => !v.allowed)
    : undefined;
  if (refused && !refused.allowed)
    return { ok: false, reason: `${refused.name} is not available to you (${refused.reason}).` };
  const token = `${PAT_PREFIX}${randomId(32)}`;
  const id = `pat_${randomId(16)}`;
  const at = deps.now();
  const expiresAt = check.expiresInDays === null ? null : at + check.expiresInDays * 86_400_000;
  const claims: PatClaims = { userId, name: check.name, scopes: check.scopes, resource: check.resource.uri };
  await deps.store.create({
    id,
    tokenHash: await sha256(token),
    userHash: await patOwner(deps, userId),
    prefix: token.slice(0, PREFIX_SHOWN),
    sealed: await deps.keyRing.encrypt(JSON.stringify(claims), `pat:${id}`),
    createdAt: at,
    lastUsedAt: null,
    expiresAt,
  });
  return { ok: true, token, id, expiresAt };
}

export interface PatView {
  id: string;
  prefix: string;
  name: string;
  scopes: string[];
  resource: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
}

const claimsOf = async (deps: Pick<PatDeps, 'keyRing'>, record: PatRecord) =>
  JSON.parse(await deps.keyRing.decrypt(record.sealed, `pat:${record.id}`)) as PatClaims;

export async function listPats(deps: PatDeps, userId: string): Promise<PatView[]> {
  const records = await deps.store.listByUser(await patOwner(deps, userId), deps.now());
  return Promise.all(
    records.map(async (record) => {
      const claims = await claimsOf(deps, record);
      return {
        id: record.id,
        prefix: record.prefix,
        name: claims.name,
        scopes: claims.scopes,
        resource: claims.resource,
        createdAt: record.createdAt,
        lastUsedAt: record.lastUsedAt,
        expiresAt: record.expiresAt,
      };
    }),
  );
}

/** Revokes one of the user's tokens. Another user's token id looks exactly like an unknown one. */
export async function revokePat(deps: PatDeps, userId: string, id: string): Promise<'revoked' | 'not_found'> {
  const record = /^pat_[\w-]{16,64}$/.test(id) ? await deps.store.get(id, deps.now()) : undefined;
  if (!record || record.userHash !== (await patOwner(deps, userId))) return 'not_found';
  const hash = await deps.store.delete(id);
  if (hash) deps.onRevoked?.(hash);
  return 'revoked';
}

/** Every token of a user dies with the user (identity drift). */
export async function revokeUserPats(deps: PatDeps, userId: string): Promise<number> {
  const hashes = await deps.store.deleteByUser(await patOwner(deps, userId));
  for (const hash of hashes) deps.onRevoked?.(hash);
  return hashes.length;
}

/** The live token for a presented value, recording its use (throttled). */
export async function findPat(
  deps: PatDeps,
  token: string,
): Promise<(PatClaims & { id: string; expiresAt: number | null }) | undefined> {
  const record = await deps.store.findByHash(await sha256(token), deps.now());
  if (!record) return undefined;
  const claims = await claimsOf(deps, record);
  // Most requests of a busy token need no write: only a stale last-use time is updated.
  const at = deps.now();
  if (record.lastUsedAt === null || record.lastUsedAt <= at - TOUCH_INTERVAL_MS)
    await deps.store.touch(record.id, at, TOUCH_INTERVAL_MS);
  // Bound to the endpoint's path on this Gatehouse, not to its URL: a token made while the development server
  // ran on another port (or before the issuer's host changed) still names the same endpoint. It is only ever
  // checked here, against this server's own endpoints.
  const path = resourcePath(claims.resource);
  const current = deps.resources.find((resource) => resource.path === path);
  const resource = current?.uri ?? claims.resource;
  // A policy change (or the owner leaving a group) revokes a token that now holds more than its owner may.
  if (deps.scopePolicy) {
    const allowed = await deps.scopePolicy.allowed(claims.userId, resource, claims.scopes);
    if (allowed.length < claims.scopes.length) {
      const hash = await deps.store.delete(record.id);
      if (hash) deps.onRevoked?.(hash);
      return undefined;
    }
  }
  return { ...claims, resource, id: record.id, expiresAt: record.expiresAt };
}
