import type { Viewer } from '../identity/web-session';
import { Layout } from './layout';

export interface ConsentPageProps {
  /** the signed-in user, for the header (who is approving, and *Sign out* if that is not them) */
  viewer?: Viewer | undefined;
  clientName: string;
  /** 'cimd': the host of its metadata URL is what identifies it; 'dcr': self-asserted, unverified. */
  clientKind: 'static' | 'dcr' | 'cimd';
  clientHost?: string;
  nameMatchesHost: boolean;
  redirectHost: string;
  /** the code goes to a program on this computer (loopback or app-link redirect) */
  nativeRedirect: boolean;
  /** Gatehouse's own playground */
  firstParty?: boolean;
  resourceName: string;
  resourceUri: string;
  /** `held`: this user already gave this client the scope here */
  /** `unavailable`: the scope policy keeps it from this user (why, in words) */
  scopes: ReadonlyArray<{
    name: string;
    description: string;
    held: boolean;
    unavailable?: string | undefined;
  }>;
  /** the client holds some of them already and asks for more */
  stepUp: boolean;
  /** how long access lasts, in words (offline access or not) */
  lasts: string;
  /** why the page is shown again */
  note?: string | undefined;
  userEmail: string;
  authz: string;
  csrf: string;
}

/** What the user approves: who the client is, where the code goes, what it may do. Every scope can be unticked. */
export function ConsentPage(props: ConsentPageProps) {
  return (
    <Layout title="Authorize access" viewer={props.viewer}>
      <div class="card">
        <h1>
          {props.clientName}
          {props.clientKind === 'cimd' && !props.firstParty ? (
            <>
              {' '}
              (<span class="host">{props.clientHost}</span>)
            </>
          ) : null}{' '}
          wants {props.stepUp ? 'more access to' : 'to access'} {props.resourceName}
        </h1>
        {props.note ? (
          <p class="warn" role="alert">
            {props.note}
          </p>
        ) : null}
        {props.firstParty ? (
          <p class="muted">
            This is the playground of this Gatehouse; its description is served by {props.clientHost}.
          </p>
        ) : null}
        {props.clientKind === 'dcr' ? (
          <p class="warn">This client registered itself; its name is not verified.</p>
        ) : null}
        {props.clientKind === 'cimd' && !props.nameMatchesHost ? (
          <p class="warn">
            It calls itself “{props.clientName}”, which does not match the host that vouches for it (
            <span class="host">{props.clientHost}</span>).
          </p>
        ) : null}
        {props.nativeRedirect ? (
          <p class="warn">
            The code will be sent to a program on this computer ({props.redirectHost}). Approve only if you
            just started it.
          </p>
        ) : null}
        <dl>
          <dt>Signed in as</dt>
          <dd>
            {props.userEmail}{' '}
            <form method="post" action="/logout" class="inline">
              <button type="submit" class="link">
                not you? sign out
              </button>
            </form>
          </dd>
          <dt>Client</dt>
          <dd>{props.clientName}</dd>
          <dt>Redirects to</dt>
          <dd class="host">{props.redirectHost}</dd>
          <dt>Resource</dt>
          <dd>{props.resourceUri}</dd>
          <dt>Access lasts</dt>
          <dd data-lasts>{props.lasts}</dd>
        </dl>
        <form method="post" action="/oauth/consent">
          <input type="hidden" name="authz" value={props.authz} />
          <input type="hidden" name="csrf" value={props.csrf} />
          <fieldset>
            <legend>It will be allowed to:</legend>
            {props.scopes.map((scope) => (
              <label data-scope={scope.name} data-unavailable={scope.unavailable ? 'true' : undefined}>
                <input
                  type="checkbox"
                  name="scope"
                  value={scope.name}
                  checked={!scope.unavailable}
                  disabled={Boolean(scope.unavailable)}
                />{' '}
                {scope.description} <span class="muted">({scope.name})</span>
                {scope.unavailable ? (
                  <span class="warn-inline"> — not available to you: {scope.unavailable}</span>
                ) : null}
                {props.stepUp && !scope.held ? <strong> new</strong> : null}
                {props.stepUp && scope.held ? <span class="muted"> — already allowed</span> : null}
              </label>
            ))}
          </fieldset>
          <div class="actions">
            <button class="primary" type="submit" name="decision" value="approve">
              Approve
            </button>
            <button type="submit" name="decision" value="deny">
              Deny
            </button>
          </div>
        </form>
      </div>
    </Layout>
  );
}
