/** A one-button POST form, CSRF-protected, with at most one value of its own. */
export function PostButton(props: {
  action: string;
  csrf: string;
  label: string;
  field?: { name: string; value: string };
  danger?: boolean;
}) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="csrf" value={props.csrf} />
      {props.field ? <input type="hidden" name={props.field.name} value={props.field.value} /> : null}
      <button type="submit" class={props.danger ? 'danger' : undefined}>
        {props.label}
      </button>
    </form>
  );
}

/** Revokes one thing (a connected app, a token). */
export function RevokeForm(props: { action: string; csrf: string; name: string; value: string }) {
  return (
    <PostButton
      action={props.action}
      csrf={props.csrf}
      label="Revoke"
      field={{ name: props.name, value: props.value }}
    />
  );
}
