import { Layout } from './layout';

export interface LoginPageProps {
  authz?: string;
  /** the local page to return to once signed in */
  next?: string;
  /** configured identity providers, in configuration order */
  providers: Array<{ id: string; name: string }>;
  /** present when the development login is on */
  devLogin?: { csrf: string };
  error?: string;
}

/** Sign in: one button per identity provider (the chooser), and the development login form when it is on. */
export function LoginPage(props: LoginPageProps) {
  const params = new URLSearchParams();
  if (props.authz) params.set('authz', props.authz);
  if (props.next) params.set('next', props.next);
  const query = params.size > 0 ? `?${params}` : '';
  return (
    <Layout title="Sign in">
      <div class="card">
        <h1>Sign in</h1>
        {props.error ? (
          <p class="warn" role="alert">
            {props.error}
          </p>
        ) : null}
        {props.providers.length > 0 ? (
          <ul class="providers">
            {props.providers.map((provider) => (
              <li>
                <a class="button primary" href={`/login/${provider.id}${query}`} data-idp={provider.id}>
                  Continue with {provider.name}
                </a>
              </li>
            ))}
          </ul>
        ) : null}
        {props.devLogin ? (
          <form method="post" action="/login">
            <h2>Development login</h2>
            <p class="warn">This server uses the built-in development login: anyone can sign in as anyone.</p>
            <input type="hidden" name="csrf" value={props.devLogin.csrf} />
            {props.authz ? <input type="hidden" name="authz" value={props.authz} /> : null}
            {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
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
        ) : null}
      </div>
    </Layout>
  );
}
