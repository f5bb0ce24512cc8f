import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in received: the tools it was offered (`namespace.name`) and a tool's answer. */
export interface ModelTurn {
  tools: string[];
  toolOutput?: string;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

interface OfferedTool {
  name: string;
  /** the namespace that groups it (how Codex offers an MCP server's tools) */
  namespace?: string;
}

function offeredTools(body: Record<string, unknown>): OfferedTool[] {
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [];
  return tools.flatMap((tool): OfferedTool[] => {
    if (tool.type === 'namespace' && Array.isArray(tool.tools))
      return (tool.tools as Record<string, unknown>[]).map((inner) => ({
        name: String(inner.name),
        namespace: String(tool.name),
      }));
    return typeof tool.name === 'string' ? [{ name: tool.name }] : [];
  });
}

function lastToolOutput(body: Record<string, unknown>): string | undefined {
  const input = Array.isArray(body.input) ? (body.input as Record<string, unknown>[]) : [];
  const outputs = input.filter((item) => item.type === 'function_call_output');
  const last = outputs.at(-1)?.output;
  if (last === undefined) return undefined;
  return typeof last === 'string' ? last : JSON.stringify(last);
}

function sse(events: Record<string, unknown>[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}

/**
 * A loopback stand-in for the OpenAI Responses API, enough for a coding agent to run one tool: the
 * first turn answers with a call to the first offered tool whose name ends in `toolSuffix` (with
 * `args`), the turn that carries its output answers with a message. Every turn is recorded.
 */
export async function startResponsesStandIn(toolSuffix: string, args: Record<string, unknown>) {
  const turns: ModelTurn[] = [];
  let sequence = 0;
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/responses')) {
      res.writeHead(404).end();
      return;
    }
    const body = await readJson(req);
    const tools = offeredTools(body);
    const toolOutput = lastToolOutput(body);
    turns.push({
      tools: tools.map((tool) => [tool.namespace, tool.name].filter(Boolean).join('.')),
      toolOutput,
    });
    const id = `resp_${++sequence}`;
    const tool = tools.find((offered) => offered.name.endsWith(toolSuffix));
    const item =
      toolOutput === undefined && tool
        ? {
            type: 'function_call',
            id: `fc_${sequence}`,
            call_id: `call_${sequence}`,
            name: tool.name,
            ...(tool.namespace ? { namespace: tool.namespace } : {}),
            arguments: JSON.stringify(args),
          }
        : {
            type: 'message',
            id: `msg_${sequence}`,
            role: 'assistant',
            content: [{ type: 'output_text', text: `tool said: ${toolOutput ?? 'nothing'}` }],
          };
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(
      sse([
        { type: 'response.created', response: { id } },
        { type: 'response.output_item.done', output_index: 0, item },
        {
          type: 'response.completed',
          response: { id, usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } },
        },
      ]),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    turns,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
