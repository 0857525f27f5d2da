// The floor: the smallest MCP stdio server the SDK allows, with one tool that answers at
// once. The harness drives it with the same client, launcher and sample counts as the real
// server, so every figure can also be read as a multiple of what stdio JSON-RPC, the SDK and
// process start-up cost on this (shared, noisy) machine in the same run.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const server = new McpServer({ name: 'swiftpatterns-floor', version: '0.0.0' });

// No input schema and no work: the reply is a constant, so what the client measures is the
// transport, the SDK's request handling and the event loop, nothing else.
// The launcher (perf/lib/launch.ts, `floorTool`) calls it by this name; importing this file
// would start a server, so the name is not exported from here.
server.registerTool(
  'floor',
  { description: 'Answers at once with a constant.', annotations: { readOnlyHint: true } },
  () => ({ content: [{ type: 'text', text: 'ok' }] }),
);

await server.connect(new StdioServerTransport());
