import { Layout } from './layout';

export interface LoginPageProps {
  authz?: string;
  csrf: string;
  error?: string;
}

/** The development login: type any email. Off outside `gatehouse dev` unless explicitly allowed. */
export function LoginPage(props: LoginPageProps) {
  return (
    <Layout title="Sign in">
      <div class="card">
        <h1>Sign in (development login)</h1>
        <p class="warn">This server uses the built-in development login: anyone can sign in as anyone.</p>
        {props.error ? (
          <p class="warn" role="alert">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/login">
          <input type="hidden" name="csrf" value={props.csrf} />
          {props.authz ? <input type="hidden" name="authz" value={props.authz} /> : null}
          <label>
            Email
            <input type="email" name="email" required autocomplete="email" value="dev@example.com" />
          </label>
          <label>
            Name
            <input type="text" name="name" autocomplete="name" value="Dev User" />
          </label>
          <div class="actions">
            <button class="primary" type="submit">
              Sign in
            </button>
          </div>
        </form>
      </div>
    </Layout>
  );
}
