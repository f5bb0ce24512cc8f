import type { Viewer } from '../identity/web-session';
import { Layout } from './layout';

export interface StepUpPageProps {
  /** the signed-in user, for the header */
  viewer?: Viewer | undefined;
  id: string;
  csrf: string;
  userEmail: string;
  upstream: string;
  tool: string;
  reason: string;
  /** the user has no working connection yet (or a broken one) */
  reconnect: boolean;
  templates: Array<{ name: string; description: string; scopes: string[] }>;
  /** every scope on offer: held ones pre-checked, the ones the upstream asked for marked new */
  scopes: Array<{ name: string; held: boolean; asked: boolean; description?: string | undefined }>;
}

/** The scope picker a step-up link opens: who asks and why, the access held, what to add. */
export function StepUpPage(props: StepUpPageProps) {
  return (
    <Layout title="More access needed" viewer={props.viewer}>
      <h1>{props.reconnect ? `Connect ${props.upstream}` : `More access to ${props.upstream}`}</h1>
      <div class="card">
        <p>
          Your client called <code>{props.tool}</code>
          {props.reconnect
            ? `, which needs a connection to ${props.upstream}:`
            : `, and ${props.upstream} refused:`}
        </p>
        <pre>{props.reason}</pre>
        <p class="muted">Signed in as {props.userEmail}.</p>
      </div>
      <form method="post" action={`/hub/stepup/${props.id}`} class="card">
        <input type="hidden" name="csrf" value={props.csrf} />
        {props.templates.length > 0 ? (
          <fieldset>
            <legend>Access</legend>
            {props.templates.map((template) => (
              <label>
                <input type="radio" name="template" value={template.name} /> {template.name}{' '}
                <span class="muted">
                  {template.description} ({template.scopes.join(' ')})
                </span>
              </label>
            ))}
            <label>
              <input type="radio" name="template" value="" checked /> the scopes below
            </label>
          </fieldset>
        ) : null}
        {props.scopes.length > 0 ? (
          <fieldset>
            <legend>Scopes</legend>
            {props.scopes.map((scope) => (
              <label data-scope={scope.name}>
                <input type="checkbox" name="scope" value={scope.name} checked={scope.held || scope.asked} />{' '}
                {scope.name}
                {scope.asked && !scope.held ? <strong> (new: asked for)</strong> : null}
                {scope.held ? <span class="muted"> (you have it)</span> : null}
                {scope.description ? <span class="muted"> — {scope.description}</span> : null}
              </label>
            ))}
          </fieldset>
        ) : null}
        <div class="actions">
          <button class="primary" type="submit">
            Continue at {props.upstream}
          </button>
        </div>
      </form>
    </Layout>
  );
}

/** What the step-up link shows when it cannot be used, and once it is done. */
export function StepUpDonePage(props: { title: string; message: string }) {
  return (
    <Layout title={props.title}>
      <div class="card" role="status">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
      </div>
    </Layout>
  );
}
