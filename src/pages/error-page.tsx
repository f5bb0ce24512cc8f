import { Layout } from './layout';

export interface ErrorPageProps {
  title: string;
  message: string;
  requestId?: string;
  /** a short reason code (login failures), for the person to quote to support */
  reason?: string;
  /** how to get help (login refusals) */
  help?: string;
  /** a link to start again */
  retryHref?: string;
}

/** A local error: shown instead of redirecting when the redirect target cannot be trusted. */
export function ErrorPage(props: ErrorPageProps) {
  return (
    <Layout title={props.title}>
      <div class="card" role="alert">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        {props.help ? <p>{props.help}</p> : null}
        {props.retryHref ? (
          <p>
            <a href={props.retryHref}>Try again</a>
          </p>
        ) : null}
        {props.reason ? <p class="muted">Reason: {props.reason}</p> : null}
        {props.requestId ? <p class="muted">Request id: {props.requestId}</p> : null}
      </div>
    </Layout>
  );
}
