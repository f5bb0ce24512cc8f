import {
  fromJsonSchema,
  inputRequired,
  type McpServer,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';

/**
 * The conformance suite's fixtures that ask the client for input: 2025-era elicitation (SEP-1034 defaults,
 * SEP-1330 enums), the JSON Schema 2020-12 tool, and the 2026-07-28 multi-round-trip tools and prompt
 * (SEP-2322: an InputRequiredResult, then the retry with `inputResponses` and the echoed, HMAC-signed
 * `requestState`). Each follows the suite's scenario text.
 */
export function registerInputFixtures(server: McpServer, states: RequestStateCodec): void {
  const elicited = async (ctx: ServerContext, message: string, requestedSchema: Record<string, unknown>) => {
    const result = await ctx.mcpReq.elicitInput({
      message,
      requestedSchema,
    } as Parameters<ServerContext['mcpReq']['elicitInput']>[0]);
    return {
      content: [
        {
          type: 'text' as const,
          text: `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
        },
      ],
    };
  };
  server.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Elicitation with defaults' },
    (ctx) =>
      elicited(ctx, 'Please review your information', {
        type: 'object',
        properties: {
          name: { type: 'string', default: 'John Doe' },
          age: { type: 'integer', default: 30 },
          score: { type: 'number', default: 95.5 },
          status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
          verified: { type: 'boolean', default: true },
        },
      }),
  );
  server.registerTool('test_elicitation_sep1330_enums', { description: 'Elicitation with enums' }, (ctx) =>
    elicited(ctx, 'Choose your options', {
      type: 'object',
      properties: {
        untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        titledSingle: {
          type: 'string',
          oneOf: [
            { const: 'value1', title: 'First Option' },
            { const: 'value2', title: 'Second Option' },
            { const: 'value3', title: 'Third Option' },
          ],
        },
        legacyEnum: {
          type: 'string',
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        },
        untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
        titledMulti: {
          type: 'array',
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
              { const: 'value3', title: 'Third Choice' },
            ],
          },
        },
      },
    }),
  );
  server.registerTool(
    'json_schema_2020_12_tool',
    {
      description: 'Tool with JSON Schema 2020-12 features',
      inputSchema: fromJsonSchema(JSON_SCHEMA_2020_12),
    },
    async () => ({ content: [{ type: 'text', text: 'JSON Schema 2020-12 tool called' }] }),
  );
  registerInputRequiredFixtures(server, states);
}

const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  // biome-ignore lint/suspicious/noThenProperty: a JSON Schema conditional keyword, never awaited
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
} as const;

const askText = (message: string, field: string) =>
  inputRequired.elicit({
    message,
    requestedSchema: { type: 'object', properties: { [field]: { type: 'string' } }, required: [field] },
  });

/** The suite's yes/no question (the request-state and signed-state tools). */
const pleaseConfirm = () =>
  inputRequired.elicit({
    message: 'Please confirm',
    requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
  });

/** An accepted elicitation's content, when the retry carries one under `key`. */
function accepted(ctx: ServerContext, key: string): Record<string, unknown> | undefined {
  const answer = ctx.mcpReq.inputResponses?.[key];
  if (!answer || typeof answer !== 'object') return undefined;
  const content = (answer as { content?: unknown }).content;
  return content && typeof content === 'object' ? (content as Record<string, unknown>) : {};
}

const has = (ctx: ServerContext, key: string) => {
  const answer = ctx.mcpReq.inputResponses?.[key];
  return answer !== null && typeof answer === 'object';
};

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

function registerInputRequiredFixtures(server: McpServer, states: RequestStateCodec): void {
  server.registerTool(
    'test_input_required_result_elicitation',
    { description: 'MRTR: elicitation' },
    async (ctx) => {
      const answer = accepted(ctx, 'user_name');
      // A missing or malformed answer asks again (SEP-2322: re-request rather than fail).
      if (!answer)
        return inputRequired({ inputRequests: { user_name: askText('What is your name?', 'name') } });
      return text(`Hello, ${typeof answer.name === 'string' ? answer.name : 'there'}!`);
    },
  );
  server.registerTool(
    'test_input_required_result_sampling',
    { description: 'MRTR: sampling' },
    async (ctx) => {
      if (!has(ctx, 'capital_question'))
        return inputRequired({
          inputRequests: {
            capital_question: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
              maxTokens: 100,
            }),
          },
        });
      const content = (ctx.mcpReq.inputResponses?.capital_question as { content?: { text?: unknown } })
        .content;
      return text(`Sampling response: ${typeof content?.text === 'string' ? content.text : ''}`);
    },
  );
  server.registerTool(
    'test_input_required_result_list_roots',
    { description: 'MRTR: roots' },
    async (ctx) => {
      if (!has(ctx, 'client_roots'))
        return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
      const roots =
        (ctx.mcpReq.inputResponses?.client_roots as { roots?: Array<{ uri?: unknown }> }).roots ?? [];
      return text(`Roots: ${roots.map((root) => String(root.uri)).join(', ') || '(none)'}`);
    },
  );
  server.registerTool(
    'test_input_required_result_request_state',
    { description: 'MRTR: request state' },
    async (ctx) => {
      const state = ctx.mcpReq.requestState<{ step: string }>();
      if (state?.step === 'confirm' && has(ctx, 'confirm')) return text('state-ok: confirmed');
      return inputRequired({
        inputRequests: { confirm: pleaseConfirm() },
        requestState: await states.mint({ step: 'confirm' }),
      });
    },
  );
  server.registerTool(
    'test_input_required_result_multiple_inputs',
    { description: 'MRTR: several inputs' },
    async (ctx) => {
      const keys = ['user_name', 'greeting', 'client_roots'];
      if (ctx.mcpReq.requestState() !== undefined && keys.every((key) => has(ctx, key)))
        return text('All inputs received');
      return inputRequired({
        inputRequests: {
          user_name: askText('What is your name?', 'name'),
          greeting: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
            maxTokens: 50,
          }),
          client_roots: inputRequired.listRoots(),
        },
        requestState: await states.mint({ step: 'all' }),
      });
    },
  );
  server.registerTool(
    'test_input_required_result_multi_round',
    { description: 'MRTR: rounds' },
    async (ctx) => {
      const state = ctx.mcpReq.requestState<{ round: number; name?: string }>();
      if (state?.round === 2 && accepted(ctx, 'step2')) {
        const color = accepted(ctx, 'step2')?.color;
        return text(`Thanks ${state.name ?? ''}, your favorite color is ${String(color)}`);
      }
      const name = accepted(ctx, 'step1')?.name;
      if (state?.round === 1 && typeof name === 'string')
        return inputRequired({
          inputRequests: { step2: askText('Step 2: What is your favorite color?', 'color') },
          requestState: await states.mint({ round: 2, name }),
        });
      return inputRequired({
        inputRequests: { step1: askText('Step 1: What is your name?', 'name') },
        requestState: await states.mint({ round: 1 }),
      });
    },
  );
  server.registerTool(
    'test_input_required_result_tampered_state',
    { description: 'MRTR: signed state' },
    async (ctx) => {
      // A tampered state never gets here: the server's requestState hook refuses it (-32602).
      if (ctx.mcpReq.requestState() !== undefined && has(ctx, 'confirm')) return text('state verified');
      return inputRequired({
        inputRequests: { confirm: pleaseConfirm() },
        requestState: await states.mint({ step: 'confirm' }),
      });
    },
  );
  server.registerTool(
    'test_input_required_result_capabilities',
    { description: 'MRTR: only what the client declared' },
    async (ctx) => {
      // MCP 2026-07-28: what the client declared rides in each request's `_meta`.
      const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
      const declared = (envelope['io.modelcontextprotocol/clientCapabilities'] ??
        envelope.clientCapabilities ??
        {}) as Record<string, unknown>;
      if (Object.keys(ctx.mcpReq.inputResponses ?? {}).length > 0) return text('Inputs received');
      const requests: Record<string, ReturnType<typeof inputRequired.listRoots>> = {};
      if (declared.elicitation) requests.user_name = askText('What is your name?', 'name');
      if (declared.sampling)
        requests.greeting = inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
          maxTokens: 50,
        });
      if (declared.roots) requests.client_roots = inputRequired.listRoots();
      if (Object.keys(requests).length === 0) return text('The client declared no input capability');
      return inputRequired({ inputRequests: requests });
    },
  );
  server.registerPrompt(
    'test_input_required_result_prompt',
    { description: 'MRTR on prompts/get' },
    async (ctx) => {
      const answer = accepted(ctx, 'user_context');
      if (!answer)
        return inputRequired({
          inputRequests: { user_context: askText('What context should the prompt use?', 'context') },
        });
      return {
        messages: [
          {
            role: 'user',
            content: { type: 'text', text: `Use this context: ${String(answer.context ?? '')}` },
          },
        ],
      };
    },
  );
}
