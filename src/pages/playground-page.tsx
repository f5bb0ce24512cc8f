import type { Viewer } from '../identity/web-session';
import type { FormField } from '../playground/schema-form';
import { Layout } from './layout';

export interface PlaygroundEndpointView {
  path: string;
  name: string;
  /** the scopes granted to the playground for this endpoint, when connected */
  connectedScopes?: string;
}

export interface PlaygroundToolView {
  name: string;
  description?: string;
  fields: FormField[];
}

/** A tool call's outcome, rendered as text (never as HTML from the server). */
export interface PlaygroundResultView {
  tool: string;
  isError: boolean;
  blocks: Array<{ kind: 'text' | 'json' | 'media'; text: string }>;
}

export interface PlaygroundPageProps {
  /** the signed-in user, for the header */
  viewer?: Viewer | undefined;
  userEmail: string;
  csrf: string;
  endpoints: PlaygroundEndpointView[];
  selected?: PlaygroundEndpointView;
  tools?: PlaygroundToolView[];
  result?: PlaygroundResultView;
  /** submitted values to show again after a call */
  values?: Record<string, string>;
  message?: string;
}

function Field(props: { field: FormField; value: string | undefined; id: string }) {
  const { field, id } = props;
  const name = `arg.${field.name}`;
  const value = props.value ?? field.defaultValue ?? '';
  const label = (
    <span>
      <code>{field.name}</code>
      {field.required ? ' (required)' : ''}{' '}
      <span class="muted">{field.kind === 'json' ? 'JSON' : field.kind}</span>
    </span>
  );
  let control: unknown;
  if (field.kind === 'boolean')
    control = <input id={id} type="checkbox" name={name} checked={value === 'true' || value === 'on'} />;
  else if (field.kind === 'select')
    control = (
      <select id={id} name={name} required={field.required}>
        {field.required ? null : <option value="">—</option>}
        {(field.options ?? []).map((option) => (
          <option value={option} selected={option === value}>
            {option}
          </option>
        ))}
      </select>
    );
  else if (field.kind === 'json')
    control = (
      <textarea id={id} name={name} rows={3} required={field.required}>
        {value}
      </textarea>
    );
  else
    control = (
      <input
        id={id}
        type={field.kind === 'text' ? 'text' : 'number'}
        step={field.kind === 'integer' ? '1' : field.kind === 'number' ? 'any' : undefined}
        name={name}
        value={value}
        required={field.required}
      />
    );
  return (
    <div class="field">
      {label}
      {control}
      {field.description ? <span class="muted">{field.description}</span> : null}
    </div>
  );
}

/** Pick an endpoint, connect it (OAuth, server-side), see its tools and call one through a generated form. */
export function PlaygroundPage(props: PlaygroundPageProps) {
  const selected = props.selected;
  return (
    <Layout title="Playground" wide viewer={props.viewer}>
      <h1>Playground</h1>
      <p class="muted">
        Signed in as {props.userEmail}. The playground calls Gatehouse's MCP endpoints as an OAuth client of
        its own; its tokens stay on the server.
      </p>
      {props.message ? (
        <p class="warn" role="alert">
          {props.message}
        </p>
      ) : null}
      <h2>Endpoints</h2>
      <ul class="providers" id="endpoints">
        {props.endpoints.map((endpoint) => (
          <li class="card" data-endpoint={endpoint.path}>
            <strong>{endpoint.name}</strong> <code>{endpoint.path}</code>
            {endpoint.connectedScopes !== undefined ? (
              <div class="actions">
                <a class="button primary" href={`/playground?endpoint=${encodeURIComponent(endpoint.path)}`}>
                  Open
                </a>
                <form method="post" action="/playground/disconnect">
                  <input type="hidden" name="csrf" value={props.csrf} />
                  <input type="hidden" name="endpoint" value={endpoint.path} />
                  <button type="submit">Disconnect</button>
                </form>
              </div>
            ) : (
              <form method="post" action="/playground/connect" class="actions">
                <input type="hidden" name="csrf" value={props.csrf} />
                <input type="hidden" name="endpoint" value={endpoint.path} />
                <button class="primary" type="submit">
                  Connect
                </button>
              </form>
            )}
          </li>
        ))}
      </ul>
      {props.result ? (
        <section class="card" id="result" role="status">
          <h2>
            {props.result.isError ? 'Tool error from ' : 'Result of '}
            <code>{props.result.tool}</code>
          </h2>
          {props.result.blocks.map((block) => (
            <pre class={block.kind}>{block.text}</pre>
          ))}
        </section>
      ) : null}
      {selected && props.tools ? (
        <section id="tools">
          <h2>
            Tools of {selected.name} <span class="muted">(scopes: {selected.connectedScopes || 'none'})</span>
          </h2>
          {props.tools.length === 0 ? (
            <p class="muted">This endpoint lists no tools for your grant.</p>
          ) : null}
          {props.tools.map((tool) => (
            <form method="post" action="/playground/call" class="card" data-tool={tool.name}>
              <h3>
                <code>{tool.name}</code>
              </h3>
              {tool.description ? <p class="muted">{tool.description}</p> : null}
              <input type="hidden" name="csrf" value={props.csrf} />
              <input type="hidden" name="endpoint" value={selected.path} />
              <input type="hidden" name="tool" value={tool.name} />
              {tool.fields.map((field) => (
                <Field
                  id={`${tool.name}--${field.name}`}
                  field={field}
                  value={props.result?.tool === tool.name ? props.values?.[`arg.${field.name}`] : undefined}
                />
              ))}
              <div class="actions">
                <button class="primary" type="submit">
                  Call {tool.name}
                </button>
              </div>
            </form>
          ))}
        </section>
      ) : null}
    </Layout>
  );
}
