import type { Child } from 'hono/jsx';
import type { Viewer } from '../identity/web-session';

export interface LayoutProps {
  title: string;
  children: Child;
  wide?: boolean;
  script?: string;
  /** the signed-in user: the header shows the navigation, who they are and *Sign out* */
  viewer?: Viewer | undefined;
}

/** Every page: the header (signed in), one content column, the one stylesheet. */
export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Gatehouse`}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/style.css" />
        {props.script ? <script src={props.script} defer /> : null}
      </head>
      <body>
        {props.viewer ? (
          <header class="site">
            <nav aria-label="Gatehouse">
              <a href="/" class="home">
                Gatehouse
              </a>
              {props.viewer.links.map((link) => (
                <a href={link.href}>{link.label}</a>
              ))}
            </nav>
            <form method="post" action="/logout" class="signout">
              <span class="muted">{props.viewer.email}</span>
              <button type="submit">Sign out</button>
            </form>
          </header>
        ) : null}
        <main class={props.wide ? 'wide' : undefined}>{props.children}</main>
      </body>
    </html>
  );
}
