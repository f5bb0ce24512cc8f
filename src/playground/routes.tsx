import type { CallToolResult } from '@modelcontextprotocol/client';
import { type Context, Hono } from 'hono';
import { mediaSummary } from '../client/render';
import { listAllTools } from '../client/tools';
import { type AppEnv, readHtmlForm } from '../http';
import { csrfToken, verifyCsrfToken } from '../identity/csrf';
import type { Session } from '../identity/session';
import { currentSession, type IdentityDeps, loginPath, viewerOf } from '../identity/web-session';
import { ErrorPage } from '../pages/error-page';
import {
  PlaygroundPage,
  type PlaygroundPageProps,
  type PlaygroundResultView,
} from '../pages/playground-page';
import { PLAYGROUND_DOCUMENT_PATH } from './client-document';
import {
  completeAuthorization,
  forgetToken,
  loadToken,
  type PlaygroundDeps,
  type PlaygroundEndpoint,
  startAuthorization,
  TokenRejected,
  withEndpoint,
} from './flow';
import { argumentsFromForm, formFields } from './schema-form';

const TRANSACTION_COOKIE = 'gh_playground';

/** A tool result as plain text blocks (the page renders text, never markup from an upstream). */
export function resultView(tool: string, result: CallToolResult): PlaygroundResultView {
  const blocks: PlaygroundResultView['blocks'] = [];
  for (const block of result.content ?? []) {
    if (block.type === 'text') blocks.push({ kind: 'text', text: block.text });
    else if (block.type === 'image' || block.type === 'audio')
      blocks.push({
        kind: 'media',
        text: mediaSummary(block),
      });
    else blocks.push({ kind: 'json', text: JSON.stringify(block, null, 2) });
  }
  if (result.structuredContent !== undefined)
    blocks.push({ kind: 'json', text: JSON.stringify(result.structuredContent, null, 2) });
  return { tool, isError: result.isError === true, blocks };
}

/** `/playground`: a signed-in user's first-party MCP client, plus the client metadata document it uses. */
export function playgroundRoutes(deps: PlaygroundDeps, identity: IdentityDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const endpointFor = (path: unknown) => deps.endpoints.find((endpoint) => endpoint.path === path);

  app.get(PLAYGROUND_DOCUMENT_PATH, (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(deps.client.document);
  });

  const refused = (c: Context<AppEnv>, message: string, status: 400 | 403 | 404 | 502 = 403) =>
    c.html(<ErrorPage title="Request refused" message={message} requestId={c.get('requestId')} />, status);

  const render = async (
    c: Context<AppEnv>,
    session: Session,
    extra: Partial<PlaygroundPageProps> & {
      open?: PlaygroundEndpoint;
      call?: { tool: string; form: Record<string, unknown> };
    } = {},
  ) => {
    const ip = c.get('clientIp');
    const tokens = new Map(
      await Promise.all(
        deps.endpoints.map(async (e) => [e.path, await loadToken(deps, session.id, e.path)] as const),
      ),
    );
    const views = deps.endpoints.map((e) => ({
      path: e.path,
      name: e.name,
      ...(tokens.get(e.path) ? { connectedScopes: tokens.get(e.path)?.scope ?? '' } : {}),
    }));
    const props: PlaygroundPageProps = {
      userEmail: session.user.email,
      csrf: await csrfToken(identity.hmacKey, session.id, 'playground'),
      endpoints: views,
      ...extra,
    };
    const open = extra.open;
    const token = open ? tokens.get(open.path) : undefined;
    if (open && !token) props.message = `Connect ${open.name} first.`;
    if (open && token) {
      try {
        await withEndpoint(deps, open, token, ip, async (client) => {
          const tools = await listAllTools(client);
          props.selected = views.find((v) => v.path === open.path);
          props.tools = tools.map((tool) => ({
            name: tool.name,
            ...(tool.description ? { description: tool.description } : {}),
            fields: formFields(tool.inputSchema),
          }));
          const call = extra.call;
          const tool = call && tools.find((t) => t.name === call.tool);
          if (call && !tool) props.message = `${open.name} has no tool named ${call.tool} for your grant.`;
          if (call && tool) {
            props.values = Object.fromEntries(
              Object.entries(call.form).filter(
                (entry): entry is [string, string] => typeof entry[1] === 'string',
              ),
            );
            const parsed = argumentsFromForm(formFields(tool.inputSchema), call.form);
            if (!parsed.ok) props.message = parsed.errors.join('; ');
            else {
              try {
                const result = (await client.callTool({
                  name: tool.name,
                  arguments: parsed.args,
                })) as CallToolResult;
                props.result = resultView(tool.name, result);
              } catch (error) {
                props.result = {
                  tool: tool.name,
                  isError: true,
                  blocks: [{ kind: 'text', text: error instanceof Error ? error.message : String(error) }],
                };
              }
            }
          }
        });
      } catch (error) {
        if (error instanceof TokenRejected) {
          await forgetToken(deps, session.id, open.path, ip);
          props.endpoints = views.map((v) => (v.path === open.path ? { path: v.path, name: v.name } : v));
          props.message = `${open.name} no longer accepts the playground's token (expired or revoked). Connect again.`;
        } else {
          // an unreachable or failing upstream is the endpoint's problem, shown as such, never a 500
          props.message = `${open.name} could not list its tools: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
    }
    c.header('Cache-Control', 'no-store');
    return c.html(<PlaygroundPage {...props} viewer={await viewerOf(identity, session)} />);
  };

  app.get('/playground', async (c) => {
    const session = await currentSession(identity, c);
    if (!session) return c.redirect(loginPath(c), 302);
    const requested = c.req.query('endpoint');
    const open = requested === undefined ? undefined : endpointFor(requested);
    if (requested !== undefined && !open) return refused(c, 'There is no such endpoint.', 404);
    return render(c, session, open ? { open } : {});
  });

  /** Each POST: a live session and the form's CSRF token, else a refusal page. */
  const postedBy = async (c: Context<AppEnv>) => {
    const session = await currentSession(identity, c);
    const form = await readHtmlForm(c);
    const ok = session && (await verifyCsrfToken(identity.hmacKey, session.id, 'playground', form.csrf));
    return ok ? { session, form, endpoint: endpointFor(form.endpoint) } : undefined;
  };

  app.post('/playground/connect', async (c) => {
    const posted = await postedBy(c);
    if (!posted) return refused(c, 'Sign in again and retry.');
    if (!posted.endpoint) return refused(c, 'There is no such endpoint.', 404);
    const started = await startAuthorization(deps, posted.session.id, posted.endpoint);
    identity.cookies.set(c, TRANSACTION_COOKIE, started.cookie, started.cookieMaxAgeSeconds);
    return c.redirect(started.authorizationUrl, 303);
  });

  app.get('/playground/callback', async (c) => {
    const session = await currentSession(identity, c);
    if (!session) return refused(c, 'Sign in to Gatehouse first, then connect again from the playground.');
    const cookie = identity.cookies.get(c, TRANSACTION_COOKIE);
    identity.cookies.clear(c, TRANSACTION_COOKIE); // one attempt per cookie, whatever the outcome
    const outcome = await completeAuthorization(deps, session.id, cookie, c.req.query(), c.get('clientIp'));
    if (!outcome.ok) return refused(c, outcome.message, outcome.status);
    return c.redirect(`/playground?endpoint=${encodeURIComponent(outcome.endpoint)}`, 303);
  });

  app.post('/playground/call', async (c) => {
    const posted = await postedBy(c);
    if (!posted) return refused(c, 'Sign in again and retry.');
    if (!posted.endpoint) return refused(c, 'There is no such endpoint.', 404);
    const tool = typeof posted.form.tool === 'string' ? posted.form.tool : '';
    return render(c, posted.session, { open: posted.endpoint, call: { tool, form: posted.form } });
  });

  app.post('/playground/disconnect', async (c) => {
    const posted = await postedBy(c);
    if (!posted) return refused(c, 'Sign in again and retry.');
    if (!posted.endpoint) return refused(c, 'There is no such endpoint.', 404);
    await forgetToken(deps, posted.session.id, posted.endpoint.path, c.get('clientIp'));
    return c.redirect('/playground', 303);
  });

  return app;
}
