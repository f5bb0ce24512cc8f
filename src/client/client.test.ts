import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { openInBrowser } from './browser';
import { ClientFailure, describeFailure, type RecordedRequest, recordingFetch } from './failure';
import { checkClientMetadataUrl } from './provider';
import { describeExpiry, parseToolArguments, renderToolResult, renderTools } from './render';
import { createFileTokenStore, defaultStatePath, StateFileError } from './token-store';
import { listAllTools } from './tools';

describe('client metadata URL (CIMD client_id)', () => {
  it.each([
    ['https://app.example.com/oauth/client.json', undefined],
    ['http://127.0.0.1:9000/client.json', undefined],
    ['http://app.example.com/client.json', 'must be an https URL'],
    ['https://app.example.com/', 'needs a path'],
    ['https://app.example.com/c.json#x', 'needs a path and no fragment'],
    ['not a url', 'is not a URL'],
  ])('%s', (url, problem) => {
    const found = checkClientMetadataUrl(url);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('rendering', () => {
  it('lists tools with their parameters, optional ones marked', () => {
    const text = renderTools([
      {
        name: 'echo',
        description: 'Echoes.\nMore.',
        inputSchema: {
          type: 'object',
          properties: { text: { type: 'string' }, n: { type: 'number' } },
          required: ['text'],
        },
      },
    ]);
    expect(text).toBe('echo(text: string, n?: number)\n    Echoes.');
    expect(renderTools([])).toContain('no tools');
  });

  it('renders text, media, resources and structured content readably', () => {
    expect(
      renderToolResult({
        content: [
          { type: 'text', text: 'hello' },
          { type: 'image', mimeType: 'image/png', data: 'AAAA' },
          { type: 'resource', resource: { uri: 'test://r', text: 'body' } },
        ],
        structuredContent: { ok: true },
      }),
    ).toBe('hello\n[image image/png, 3 bytes]\n[resource test://r]\nbody\n{\n  "ok": true\n}');
  });

  it('takes --args as a JSON object only', () => {
    expect(parseToolArguments('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseToolArguments(undefined)).toEqual({ ok: true, value: {} });
    expect(parseToolArguments('[1]')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('JSON object'),
    });
    expect(parseToolArguments('{a:1}')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not valid JSON'),
    });
  });

  it('describes token expiry relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(describeExpiry(now, 3600, now)).toBe('2026-01-01T01:00:00.000Z (in 60 min)');
    expect(describeExpiry(now - 7_200_000, 3600, now)).toContain('expired 60 min ago');
    expect(describeExpiry(undefined, 3600, now)).toBe('unknown');
  });
});

describe('token store', () => {
  it('defaults under XDG_CONFIG_HOME, or GATEHOUSE_CLIENT_STATE', () => {
    expect(defaultStatePath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/gatehouse/client.json');
    expect(defaultStatePath({ HOME: '/h' })).toBe('/h/.config/gatehouse/client.json');
    expect(defaultStatePath({ GATEHOUSE_CLIENT_STATE: '/s.json' })).toBe('/s.json');
  });

  it('writes 0600 atomically and tightens a file others could read', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'gh-store-')), 'sub', 'client.json');
    const store = createFileTokenStore(path);
    await store.update((state) => (state.servers['https://x/mcp'] = { issuer: 'https://x' }));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const { chmod } = await import('node:fs/promises');
    await chmod(path, 0o644);
    expect((await store.read()).servers['https://x/mcp']).toEqual({ issuer: 'https://x' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that is not its own instead of overwriting it', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'gh-store-')), 'client.json');
    await writeFile(path, '{"something":"else"}');
    const store = createFileTokenStore(path);
    await expect(store.update(() => {})).rejects.toBeInstanceOf(StateFileError);
    expect(await readFile(path, 'utf8')).toBe('{"something":"else"}');
  });
});

describe('failure descriptions', () => {
  const answer = (status: number, body: unknown, type = 'application/json') =>
    (async () =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': type } })) as typeof fetch;

  it('names the request, its status and the OAuth error and description', async () => {
    const trail: RecordedRequest[] = [];
    const fetcher = recordingFetch(
      answer(400, { error: 'invalid_grant', error_description: 'code expired' }),
      trail,
    );
    await fetcher('https://as.example/token?code=secret-code', { method: 'POST' });
    const text = describeFailure(new OAuthError(OAuthErrorCode.InvalidGrant, 'code expired'), trail);
    expect(text).toBe(
      'OAuth error invalid_grant: code expired\n  at: POST https://as.example/token?code=%E2%80%A6 → HTTP 400 — invalid_grant: code expired',
    );
    expect(text).not.toContain('secret-code');
  });

  it('points at metadata that answered 200 but is not a JSON object', async () => {
    const trail: RecordedRequest[] = [];
    await recordingFetch(
      answer(200, ['a']),
      trail,
    )('https://rs.example/.well-known/oauth-protected-resource/mcp');
    await recordingFetch(answer(404, {}), trail)('https://rs.example/.well-known/oauth-authorization-server');
    const text = describeFailure(new ClientFailure('discovery failed'), trail);
    expect(text).toContain(
      'broken metadata: GET https://rs.example/.well-known/oauth-protected-resource/mcp → HTTP 200 — not a JSON object',
    );
    expect(text).toContain('at: GET https://rs.example/.well-known/oauth-authorization-server → HTTP 404');
  });

  it('reports a refused connection with its cause', async () => {
    const trail: RecordedRequest[] = [];
    const refused = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as typeof fetch;
    await expect(
      recordingFetch(refused, trail)('http://127.0.0.1:1/mcp', { method: 'POST' }),
    ).rejects.toThrow();
    expect(describeFailure(new TypeError('fetch failed'), trail)).toBe(
      'fetch failed\n  at: POST http://127.0.0.1:1/mcp → failed: ECONNREFUSED',
    );
  });
});

describe('listing tools', () => {
  const tool = (name: string) => ({ name, inputSchema: { type: 'object' as const } });
  it('follows nextCursor across pages', async () => {
    const pages: Record<string, { tools: ReturnType<typeof tool>[]; nextCursor?: string }> = {
      '': { tools: [tool('a')], nextCursor: 'p2' },
      p2: { tools: [tool('b')], nextCursor: 'p3' },
      p3: { tools: [tool('c')] },
    };
    const client = { listTools: async (params?: { cursor?: string }) => pages[params?.cursor ?? ''] };
    const tools = await listAllTools(client as unknown as Parameters<typeof listAllTools>[0]);
    expect(tools.map((t) => t.name)).toEqual(['a', 'b', 'c']);
  });

  it('stops at the page limit when a server keeps returning a cursor', async () => {
    let calls = 0;
    const client = {
      listTools: async () => {
        calls++;
        return { tools: [tool('x')], nextCursor: 'again' };
      },
    };
    await listAllTools(client as unknown as Parameters<typeof listAllTools>[0], 5);
    expect(calls).toBe(5);
  });
});

describe('opening the browser', () => {
  it('passes the URL as one argument to $BROWSER, never through a shell', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-browser-'));
    const script = join(dir, 'record.mjs');
    const record = join(dir, 'argv.json');
    await writeFile(
      script,
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)));`,
    );
    const url = `https://as.example/authorize?state=x&a=$(touch ${join(dir, 'pwned')});b=\`id\``;
    expect(openInBrowser(url, { BROWSER: `${process.execPath} ${script} --new-window` }, 'linux')).toBe(true);
    for (let i = 0; i < 100 && !(await stat(record).catch(() => undefined)); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(await readFile(record, 'utf8'))).toEqual(['--new-window', url]);
    await expect(stat(join(dir, 'pwned'))).rejects.toThrow();
  });

  it('opens nothing on a machine without a display or $BROWSER', () => {
    expect(openInBrowser('https://as.example/authorize', {}, 'linux')).toBe(false);
  });
});
