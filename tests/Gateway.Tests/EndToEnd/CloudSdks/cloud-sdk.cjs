// Drives the official Anthropic SDKs for Bedrock and Vertex (and AWS's own Bedrock runtime client, for CountTokens,
// which the Anthropic Bedrock SDK does not offer) against the gateway's fronts, for CloudSdkTests.
// Usage: node cloud-sdk.cjs <bedrock|vertex> <operation>...; GATEWAY_URL, GATEWAY_KEY, MODEL and PROMPT in the
// environment. Prints one JSON object: each operation's result (or the error it raised) under its name, and `wire`:
// the method, path, status and content type of each call the Anthropic SDKs made.
'use strict';

const [cloud, ...operations] = process.argv.slice(2);
const { GATEWAY_URL: gateway, GATEWAY_KEY: key, MODEL: model, PROMPT: prompt } = process.env;

const weather = {
  name: 'get_weather',
  description: 'Current weather for a location',
  input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};

// What each call looked like on the wire, before the SDK adapted the answer (an event stream becomes SSE inside it).
const wire = [];
async function recordingFetch(url, init) {
  const response = await fetch(url, init);
  wire.push({ method: init?.method, path: new URL(url).pathname, status: response.status, content_type: response.headers.get('content-type') });
  return response;
}

function anthropicClient() {
  if (cloud === 'bedrock') {
    const { AnthropicBedrock } = require('@anthropic-ai/bedrock-sdk');
    // The gateway key as a Bedrock API key: sent as Authorization: Bearer instead of a SigV4 signature.
    return new AnthropicBedrock({ baseURL: `${gateway}/bedrock`, apiKey: key, awsRegion: 'us-east-1', maxRetries: 0, fetch: recordingFetch });
  }
  const { AnthropicVertex } = require('@anthropic-ai/vertex-sdk');
  // No Google credentials anywhere: the auth client hands the SDK the gateway key as its bearer token.
  const authClient = { projectId: 'my-project', getRequestHeaders: async () => new Headers({ authorization: `Bearer ${key}` }) };
  return new AnthropicVertex({ baseURL: `${gateway}/vertex/v1`, region: 'us-east5', authClient, maxRetries: 0, fetch: recordingFetch });
}

async function streamed(sdk, params) {
  const stream = sdk.messages.stream(params);
  const events = [];
  for await (const event of stream) {
    events.push(event.type);
  }
  return { events, message: await stream.finalMessage() };
}

async function countOnBedrock() {
  const { BedrockRuntimeClient, CountTokensCommand } = require('@aws-sdk/client-bedrock-runtime');
  const { NodeHttpHandler } = require('@smithy/node-http-handler');
  // AWS's SDK sends this variable's value as a Bedrock API key (Bearer).
  process.env.AWS_BEARER_TOKEN_BEDROCK = key;
  const aws = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: `${gateway}/bedrock`, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
  const body = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 1024, messages: [{ role: 'user', content: prompt }] });
  const answer = await aws.send(new CountTokensCommand({ modelId: model, input: { invokeModel: { body: new TextEncoder().encode(body) } } }));
  return { input_tokens: answer.inputTokens };
}

const run = {
  create: (sdk) => sdk.messages.create({ model, max_tokens: 1024, messages: [{ role: 'user', content: prompt }] }),
  stream: (sdk) => streamed(sdk, { model, max_tokens: 1024, messages: [{ role: 'user', content: prompt }] }),
  tools: async (sdk) => {
    const params = { model, max_tokens: 1024, tools: [weather], messages: [{ role: 'user', content: prompt }] };
    return { created: await sdk.messages.create(params), streamed: await streamed(sdk, params) };
  },
  count: (sdk) => cloud === 'bedrock'
    ? countOnBedrock()
    : sdk.messages.countTokens({ model, messages: [{ role: 'user', content: prompt }] }),
};

(async () => {
  const sdk = anthropicClient();
  const results = {};
  for (const operation of operations) {
    try {
      results[operation] = await run[operation](sdk);
    } catch (error) {
      results[operation] = { error: { name: error.name, status: error.status ?? error.$metadata?.httpStatusCode, message: error.message, body: error.error } };
    }
  }
  results.wire = wire;
  process.stdout.write(JSON.stringify(results));
})();
