import { Layout } from './layout';

export interface ErrorPageProps {
  title: string;
  message: string;
  requestId?: string;
}

/** A local error: shown instead of redirecting when the redirect target cannot be trusted. */
export function ErrorPage(props: ErrorPageProps) {
  return (
    <Layout title={props.title}>
      <div class="card" role="alert">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        {props.requestId ? <p class="muted">Request id: {props.requestId}</p> : null}
      </div>
    </Layout>
  );
}
