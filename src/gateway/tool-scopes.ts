import { hasScopes } from '../oauth/scope';

/**
 * Per-tool scopes: a tool whose scopes a token lacks cannot be called (a 403 scope challenge); it is listed
 * with a note of the scope it needs, or, where the endpoint says so, left out. Pure.
 */
export function createToolScopes(required: Readonly<Record<string, readonly string[]>>) {
  // A Map, not the config object: a tool named `constructor` must not find Object.prototype's.
  const byTool = new Map(Object.entries(required));
  return {
    needed: (tool: string): readonly string[] => byTool.get(tool) ?? [],
    allows: (tool: string, granted: readonly string[]) => hasScopes(granted, byTool.get(tool) ?? []),
    /** whether this grant lacks any tool's scopes (else tools/list passes through untouched) */
    lacksAny: (granted: readonly string[]) =>
      [...byTool.values()].some((scopes) => !hasScopes(granted, scopes)),
  };
}

export type ToolScopes = ReturnType<typeof createToolScopes>;

/**
 * A tool as a caller without its scopes sees it: listed, so a client can call it and be asked for the
 * scope (MCP scope challenge, 2026-07-28), with the scope it needs said in its description.
 */
export function withScopeNote(
  tool: Record<string, unknown>,
  needed: readonly string[],
): Record<string, unknown> {
  const note = `Needs the scope ${needed.join(' ')}, which your access does not include yet: calling it asks for it.`;
  const description =
    typeof tool.description === 'string' && tool.description ? `${tool.description}\n\n${note}` : note;
  return { ...tool, description };
}
