import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelTurn } from './responses-stand-in';

type Json = Record<string, unknown>;

async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

function declaredTools(body: Json): string[] {
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  return tools.flatMap((tool) =>
    Array.isArray(tool.functionDeclarations)
      ? (tool.functionDeclarations as Json[]).map((declaration) => String(declaration.name))
      : [],
  );
}

/** The last part of the conversation, if it is a tool's answer. */
function lastFunctionResponse(body: Json): string | undefined {
  const contents = Array.isArray(body.contents) ? (body.contents as Json[]) : [];
  const parts = (contents.at(-1)?.parts as Json[] | undefined) ?? [];
  const answer = parts.find((part) => part.functionResponse)?.functionResponse;
  return answer === undefined ? undefined : JSON.stringify(answer);
}

const candidate = (parts: Json[]) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
});

/**
 * A loopback stand-in for the Gemini API (`GOOGLE_GEMINI_BASE_URL`), enough for Gemini CLI to run one
 * tool: a streamed turn answers with a call to the first declared tool whose name ends in `toolSuffix`,
 * the turn that carries its answer with text. The CLI's side questions (`generateContent`: routing,
 * next speaker) get a JSON answer that ends the turn.
 */
export async function startGeminiStandIn(toolSuffix: string, args: Json) {
  const turns: ModelTurn[] = [];
  const server = createServer(async (req, res) => {
    const body = await readJson(req);
    const path = req.url ?? '';
    if (path.includes(':streamGenerateContent')) {
      const tools = declaredTools(body);
      const toolOutput = lastFunctionResponse(body);
      turns.push({ tools, toolOutput });
      const tool = tools.find((name) => name.endsWith(toolSuffix));
      const parts =
        toolOutput === undefined && tool
          ? [{ functionCall: { name: tool, args } }]
          : [{ text: `tool said: ${toolOutput ?? 'nothing'}` }];
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify(candidate(parts))}\r\n\r\n`);
      return;
    }
    if (path.includes(':generateContent')) {
      const text = JSON.stringify({
        next_speaker: 'user',
        reasoning: 'the tool answered',
        complexity_score: 1,
        complexity_reasoning: 'simple',
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(candidate([{ text }])));
      return;
    }
    if (path.includes(':countTokens')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ totalTokens: 1 }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    turns,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
