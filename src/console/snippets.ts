/** How to add one MCP endpoint to each client users have: what the home page shows, per endpoint. */
export interface ClientSnippet {
  client: string;
  /** where it goes (a settings path or a file) */
  where: string;
  text: string;
}

/** A short config key for an endpoint: `gatehouse` for `/mcp`, `gatehouse-hub` for `/hub/mcp`, and so on. */
export function serverKey(path: string): string {
  const segments = path.split('/').filter(Boolean);
  if (segments.at(-1) === 'mcp') segments.pop();
  const last = (segments.at(-1) ?? '').replace(/[^\w-]/g, '');
  return last ? `gatehouse-${last}` : 'gatehouse';
}

export function clientSnippets(url: string, key: string): ClientSnippet[] {
  return [
    {
      client: 'Claude (claude.ai, Desktop)',
      where: 'Settings → Connectors → Add custom connector, URL',
      text: url,
    },
    {
      client: 'ChatGPT',
      where: 'Settings → Apps & Connectors → Create (developer mode), MCP server URL, authentication OAuth',
      text: url,
    },
    {
      client: 'Cursor',
      where: '~/.cursor/mcp.json',
      text: JSON.stringify({ mcpServers: { [key]: { url } } }, null, 2),
    },
    {
      client: 'VS Code',
      where: '.vscode/mcp.json',
      text: JSON.stringify({ servers: { [key]: { type: 'http', url } } }, null, 2),
    },
    { client: 'Claude Code', where: 'a terminal', text: `claude mcp add --transport http ${key} ${url}` },
    { client: 'gatehouse client', where: 'a terminal', text: `npx gatehouse client ${url} tools` },
  ];
}

/** Copies a `data-copy` button's text: the one script of the console, served at /assets/copy.js (CSP). */
export const COPY_SCRIPT = `document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-copy]');
  if (!button) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  });
});
`;
