import type { Child } from 'hono/jsx';

export function Layout(props: { title: string; children: Child; wide?: boolean; script?: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Gatehouse`}</title>
        <link rel="stylesheet" href="/assets/style.css" />
        {props.script ? <script src={props.script} defer /> : null}
      </head>
      <body>
        <main class={props.wide ? 'wide' : undefined}>{props.children}</main>
      </body>
    </html>
  );
}
