/** What a page says after a change: a status that went well, an alert that did not. */
export function Notices(props: { message?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {props.message ? (
        <p class="card" role="status">
          {props.message}
        </p>
      ) : null}
      {props.error ? (
        <p class="warn" role="alert">
          {props.error}
        </p>
      ) : null}
    </>
  );
}
