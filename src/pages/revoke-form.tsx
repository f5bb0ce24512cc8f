/** A one-button POST form that revokes one thing (a connected app, a token), CSRF-protected. */
export function RevokeForm(props: { action: string; csrf: string; name: string; value: string }) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <input type="hidden" name={props.name} value={props.value} />
      <button type="submit">Revoke</button>
    </form>
  );
}
