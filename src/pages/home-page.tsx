import type { ClientSnippet } from '../console/snippets';
import type { Viewer } from '../identity/web-session';
import { Layout } from './layout';

export interface HomeEndpoint {
  name: string;
  url: string;
  snippets: ClientSnippet[];
}

export interface HomePageProps {
  host: string;
  endpoints: HomeEndpoint[];
  /** the signed-in user, with the pages they can open */
  viewer?: Viewer | undefined;
}

const Copy = (props: { text: string }) => (
  <button type="button" class="copy" data-copy={props.text}>
    Copy
  </button>
);

/** `/`: what this Gatehouse is, how to sign in, and how to add each MCP endpoint to each client. */
export function HomePage(props: HomePageProps) {
  return (
    <Layout title="Home" script="/assets/copy.js" viewer={props.viewer}>
      <h1>
        Gatehouse at <span class="host">{props.host}</span>
      </h1>
      <p>
        This server puts MCP servers behind single sign-on: add an endpoint below to your MCP client, sign in
        when it asks, and choose what the client may do.
      </p>
      {props.viewer ? (
        <section class="card" data-viewer>
          <p>
            Signed in as <strong>{props.viewer.email}</strong>.
          </p>
          <ul class="links">
            {props.viewer.links.map((link) => (
              <li>
                <a href={link.href}>{link.label}</a> <span class="muted">— {link.about}</span>
              </li>
            ))}
          </ul>
          <form method="post" action="/logout">
            <button type="submit">Sign out</button>
          </form>
        </section>
      ) : (
        <p>
          <a class="button primary" href="/login">
            Sign in
          </a>
        </p>
      )}
      <h2>MCP endpoints</h2>
      {props.endpoints.map((endpoint) => (
        <section class="card" data-endpoint={endpoint.url}>
          <h3>{endpoint.name}</h3>
          <p class="endpoint">
            <code>{endpoint.url}</code> <Copy text={endpoint.url} />
          </p>
          {endpoint.snippets.map((snippet) => (
            <details data-client={snippet.client}>
              <summary>{snippet.client}</summary>
              <p class="muted">{snippet.where}</p>
              <pre>{snippet.text}</pre>
              <Copy text={snippet.text} />
            </details>
          ))}
        </section>
      ))}
    </Layout>
  );
}
