import { hasScopes } from '../oauth/scope';

/** Per-tool scopes: a tool whose scopes a token lacks is neither listed nor callable. Pure. */
export function createToolScopes(required: Readonly<Record<string, readonly string[]>>) {
  // A Map, not the config object: a tool named `constructor` must not find Object.prototype's.
  const byTool = new Map(Object.entries(required));
  return {
    needed: (tool: string): readonly string[] => byTool.get(tool) ?? [],
    allows: (tool: string, granted: readonly string[]) => hasScopes(granted, byTool.get(tool) ?? []),
    /** whether any tool is hidden from this grant (else tools/list passes through untouched) */
    hidesAny: (granted: readonly string[]) =>
      [...byTool.values()].some((scopes) => !hasScopes(granted, scopes)),
  };
}

export type ToolScopes = ReturnType<typeof createToolScopes>;
