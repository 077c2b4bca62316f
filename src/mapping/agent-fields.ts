import {
  SPAN_TYPES,
  type AttributeMap,
  type AttributeValue,
  type ContextFields,
  type CostFields,
  type GenAiFields,
  type SpanError,
  type SpanEvent,
  type SpanType,
  type StatusCode,
} from '../records/types';

/**
 * Derives the agent-level fields of a record from its OpenTelemetry attributes. The SDK mapping and
 * the OTLP receiver both use it, so that a span means the same however it arrives.
 *
 * It reads, in order of precedence: Mastra's exporter keys, the OpenTelemetry GenAI conventions,
 * OpenInference, and the Vercel AI SDK. Nothing is removed from the attributes, and a key it does not
 * know is simply ignored.
 */

/**
 * Reads one attribute of a record, falling back to its resource. Only keys registered with `known`
 * (and `mastra.*` keys, whose payload keys are built from the span type) can be found.
 */
type Lookup = (key: string) => AttributeValue | undefined;

const KNOWN_KEYS = new Set<string>();

/** Registers the attribute keys this module reads, and returns them. */
function known<const Keys extends readonly string[]>(...keys: Keys): Keys {
  for (const key of keys) KNOWN_KEYS.add(key);
  return keys;
}

const isKnown = (key: string): boolean => KNOWN_KEYS.has(key) || key.startsWith('mastra.');

/** The known keys that `attributes` has, or `null` when it has none (as most records). */
function knownIn(attributes: AttributeMap): Map<string, AttributeValue> | null {
  let present: Map<string, AttributeValue> | null = null;
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== null && value !== undefined && isKnown(key)) (present ??= new Map()).set(key, value);
  }
  return present;
}

/** The known keys of each resource, found once: every record of a batch shares its resource. */
const resourceLookups = new WeakMap<AttributeMap, Map<string, AttributeValue> | null>();
const NOTHING: Lookup = () => undefined;

function lookupIn(attributes: AttributeMap, resource: AttributeMap): Lookup {
  // A record asks for about a hundred keys and has few of them: filtering its attributes to the keys
  // this module knows makes each lookup one get on a map of a handful of entries, or none at all.
  let shared = resourceLookups.get(resource);
  if (shared === undefined) {
    shared = knownIn(resource);
    resourceLookups.set(resource, shared);
  }
  const own = knownIn(attributes);
  if (own === null) return shared === null ? NOTHING : (key) => shared.get(key);
  if (shared !== null) for (const [key, value] of shared) if (!own.has(key)) own.set(key, value);
  return (key) => own.get(key);
}

function asText(value: AttributeValue | undefined): string | null {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

function asCount(value: AttributeValue | undefined): number | null {
  if (typeof value === 'bigint') return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : null;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value.trim())) return Number(value.trim());
  return null;
}

function firstText(get: Lookup, keys: readonly string[]): string | null {
  for (const key of keys) {
    const text = asText(get(key));
    if (text !== null) return text;
  }
  return null;
}

function firstCount(get: Lookup, keys: readonly string[]): number | null {
  for (const key of keys) {
    const count = asCount(get(key));
    if (count !== null) return count;
  }
  return null;
}

function firstValue(get: Lookup, keys: readonly string[]): AttributeValue {
  for (const key of keys) {
    const value = get(key);
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return null;
}

/** Keys under which apps put a context field as metadata, most specific first. */
const metadataKeys = (name: string): readonly string[] =>
  known(`mastra.metadata.${name}`, `ai.telemetry.metadata.${name}`, `mastra.requestContext.${name}`, name);

const CONTEXT_KEYS: Record<
  Exclude<keyof ContextFields, 'entityType' | 'entityId' | 'entityName'>,
  readonly string[]
> = {
  userId: known('user.id', 'enduser.id', ...metadataKeys('userId'), 'enduser.pseudo.id'),
  organizationId: metadataKeys('organizationId'),
  resourceId: metadataKeys('resourceId'),
  runId: metadataKeys('runId'),
  sessionId: known('session.id', ...metadataKeys('sessionId')),
  threadId: known(
    'mastra.metadata.threadId',
    'gen_ai.conversation.id',
    'ai.telemetry.metadata.threadId',
    'mastra.requestContext.threadId',
    'threadId',
  ),
  requestId: known(
    'mastra.metadata.requestId',
    'mastra.log.requestId',
    'ai.telemetry.metadata.requestId',
    'mastra.requestContext.requestId',
    'requestId',
  ),
  environment: known('deployment.environment.name', 'deployment.environment', ...metadataKeys('environment')),
};

const ENTITY_ID_KEYS = known(
  'mastra.span.entityId',
  'gen_ai.agent.id',
  'gen_ai.tool.name',
  'ai.toolCall.name',
  'tool.name',
  'agent.id',
  'mastra.agent.id',
  'workflow.id',
  'mastra.workflow.id',
  'mastra.workflow.step_id',
  'mastra.tool.id',
  'gen_ai.workflow.name',
  'graph.node.id',
  'ai.telemetry.functionId',
);

const ENTITY_NAME_KEYS = known(
  'mastra.span.entityName',
  'gen_ai.agent.name',
  'agent.name',
  'gen_ai.tool.name',
  'tool.name',
  'ai.toolCall.name',
  'gen_ai.workflow.name',
  'graph.node.name',
  'ai.telemetry.functionId',
  'resource.name',
);

const MODEL_KEYS = known(
  'gen_ai.response.model',
  'gen_ai.request.model',
  'llm.response.model_name',
  'llm.model_name',
  'llm.request.model_name',
  'ai.response.model',
  'ai.model.id',
  'embedding.model_name',
);

const INPUT_TOKEN_KEYS = known(
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'llm.token_count.prompt',
  'ai.usage.inputTokens',
  'ai.usage.promptTokens',
  'ai.usage.tokens',
);
const OUTPUT_TOKEN_KEYS = known(
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.token_count.completion',
  'ai.usage.outputTokens',
  'ai.usage.completionTokens',
);
const TOTAL_TOKEN_KEYS = known('gen_ai.usage.total_tokens', 'llm.token_count.total', 'ai.usage.totalTokens');
/*
 * Cached and reasoning tokens are parts of the input and output counts (the GenAI conventions say
 * so, and so do OpenInference, the AI SDK and Mastra). Sentry's and older GenAI names come after the
 * current ones; `gen_ai.usage.reasoning_tokens` is what Mastra's OpenTelemetry exporter writes.
 */
const CACHED_INPUT_TOKEN_KEYS = known(
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'gen_ai.usage.input_tokens.cached',
  'llm.token_count.prompt_details.cache_read',
  'ai.usage.inputTokenDetails.cacheReadTokens',
  'ai.usage.cachedInputTokens',
);
const CACHE_WRITE_TOKEN_KEYS = known(
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'gen_ai.usage.input_tokens.cache_write',
  'llm.token_count.prompt_details.cache_write',
  'ai.usage.inputTokenDetails.cacheWriteTokens',
);
const REASONING_TOKEN_KEYS = known(
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'gen_ai.usage.output_tokens.reasoning',
  'llm.token_count.completion_details.reasoning',
  'ai.usage.outputTokenDetails.reasoningTokens',
  'ai.usage.reasoningTokens',
);

/**
 * Mastra's `UsageStats` (`usage: { inputTokens, outputTokens, inputDetails, outputDetails }`) and
 * `costContext` (`{ estimatedCost, costUnit }`), as nested maps among a span's attributes, as
 * Mastra's span attributes carry them.
 */
const [MASTRA_USAGE, MASTRA_COST] = known('usage', 'costContext');

/** A reported cost: OpenInference's `llm.cost.*`, and `gen_ai.usage.cost`, which Langfuse reads. */
const TOTAL_COST_KEYS = known('llm.cost.total', 'gen_ai.usage.cost');
const [INPUT_COST, OUTPUT_COST] = known('llm.cost.prompt', 'llm.cost.completion');

function asMap(value: AttributeValue | undefined): AttributeMap | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
    ? value
    : null;
}

function asCost(value: AttributeValue | undefined): number | null {
  const cost = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof cost === 'bigint') return cost >= 0n ? Number(cost) : null;
  return typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? cost : null;
}

type TokenCounts = Pick<
  GenAiFields,
  'inputTokens' | 'outputTokens' | 'totalTokens' | 'cachedInputTokens' | 'cacheWriteTokens' | 'reasoningTokens'
>;

const NO_TOKENS: TokenCounts = {
  inputTokens: null,
  outputTokens: null,
  totalTokens: null,
  cachedInputTokens: null,
  cacheWriteTokens: null,
  reasoningTokens: null,
};

function deriveTokens(get: Lookup): TokenCounts {
  // Most spans (HTTP, database) have no key this module knows: they skip some thirty lookups.
  if (get === NOTHING) return NO_TOKENS;
  const usage = asMap(get(MASTRA_USAGE));
  const inputDetails = usage && asMap(usage.inputDetails);
  const outputDetails = usage && asMap(usage.outputDetails);
  const inputTokens = firstCount(get, INPUT_TOKEN_KEYS) ?? asCount(usage?.inputTokens);
  const outputTokens = firstCount(get, OUTPUT_TOKEN_KEYS) ?? asCount(usage?.outputTokens);
  const explicitTotal = firstCount(get, TOTAL_TOKEN_KEYS);
  return {
    inputTokens,
    outputTokens,
    totalTokens:
      explicitTotal ??
      (inputTokens === null && outputTokens === null ? null : (inputTokens ?? 0) + (outputTokens ?? 0)),
    cachedInputTokens: firstCount(get, CACHED_INPUT_TOKEN_KEYS) ?? asCount(inputDetails?.cacheRead),
    cacheWriteTokens: firstCount(get, CACHE_WRITE_TOKEN_KEYS) ?? asCount(inputDetails?.cacheWrite),
    reasoningTokens: firstCount(get, REASONING_TOKEN_KEYS) ?? asCount(outputDetails?.reasoning),
  };
}

const NO_COST: CostFields = { inputCost: null, outputCost: null, totalCost: null, costSource: null };

/** A cost the sender reports, marked `reported`; the pipeline estimates the others. */
function deriveReportedCost(get: Lookup): CostFields {
  if (get === NOTHING) return NO_COST;
  const inputCost = asCost(get(INPUT_COST));
  const outputCost = asCost(get(OUTPUT_COST));
  let totalCost: number | null = null;
  for (const key of TOTAL_COST_KEYS) totalCost ??= asCost(get(key));
  const mastra = asMap(get(MASTRA_COST));
  // Mastra names its unit; a cost in another currency is not ours to add up with dollars.
  if (mastra !== null && (asText(mastra.costUnit) ?? 'USD').toUpperCase() === 'USD')
    totalCost ??= asCost(mastra.estimatedCost);
  if (totalCost === null && inputCost !== null && outputCost !== null) totalCost = inputCost + outputCost;
  if (totalCost === null && inputCost === null && outputCost === null) return NO_COST;
  return { inputCost, outputCost, totalCost, costSource: 'reported' };
}

/** Single keys read below. */
const [MCP_METHOD, GENAI_OPERATION, OPENINFERENCE_KIND, AI_SDK_OPERATION, AI_SDK_PROVIDER] = known(
  'mcp.method.name',
  'gen_ai.operation.name',
  'openinference.span.kind',
  'ai.operationId',
  'ai.model.provider',
);

/** Span types of older Mastra versions, under their present names. */
const MASTRA_TYPE_ALIASES: Record<string, SpanType> = {
  llm_generation: 'model_generation',
  llm_chunk: 'model_chunk',
};

const OPERATION_TYPES: Record<string, SpanType> = {
  invoke_agent: 'agent_run',
  create_agent: 'agent_run',
  chat: 'model_generation',
  text_completion: 'model_generation',
  generate_content: 'model_generation',
  execute_tool: 'tool_call',
  invoke_workflow: 'workflow_run',
  // Older Mastra exporters.
  'agent.run': 'agent_run',
  agent: 'agent_run',
  'workflow.run': 'workflow_run',
  workflow: 'workflow_run',
  'tool.execute': 'tool_call',
  tool_selection: 'model_generation',
  stream: 'model_chunk',
};

const OPENINFERENCE_TYPES: Record<string, SpanType> = {
  AGENT: 'agent_run',
  LLM: 'model_generation',
  TOOL: 'tool_call',
  EVALUATOR: 'scorer_run',
  GUARDRAIL: 'processor_run',
  CHAIN: 'workflow_step',
};

const SPAN_TYPE_SET = new Set<string>(SPAN_TYPES);

function knownSpanType(value: string): SpanType | null {
  if (SPAN_TYPE_SET.has(value)) return value as SpanType;
  return MASTRA_TYPE_ALIASES[value] ?? null;
}

function isMcpToolCall(get: Lookup, attributes: AttributeMap, operation: string | null): boolean {
  if (asText(get(MCP_METHOD)) === 'tools/call') return true;
  if (operation !== 'execute_tool') return false;
  return Object.keys(attributes).some((key) => key.startsWith('mcp.'));
}

function deriveSpanType(get: Lookup, attributes: AttributeMap, spanName: string): SpanType {
  const mastra = asText(get('mastra.span.type'));
  if (mastra !== null) return knownSpanType(mastra) ?? 'generic';
  const operation = asText(get(GENAI_OPERATION));
  if (isMcpToolCall(get, attributes, operation)) return 'mcp_tool_call';
  if (operation !== null) {
    const type = OPERATION_TYPES[operation] ?? knownSpanType(operation) ?? knownSpanType(operation.replace(/\./g, '_'));
    if (type) return type;
  }
  const openInference = asText(get(OPENINFERENCE_KIND));
  if (openInference !== null && OPENINFERENCE_TYPES[openInference.toUpperCase()]) {
    return OPENINFERENCE_TYPES[openInference.toUpperCase()]!;
  }
  const aiOperation = asText(get(AI_SDK_OPERATION));
  if (aiOperation !== null) {
    if (/\.do(Generate|Stream)$/.test(aiOperation)) return 'model_step';
    if (/^ai\.(generate|stream)(Text|Object)$/.test(aiOperation)) return 'model_generation';
    if (aiOperation === 'ai.toolCall') return 'tool_call';
  }
  const prefix = /^(invoke_agent|chat|execute_tool|invoke_workflow|text_completion|generate_content) /.exec(spanName);
  return prefix ? OPERATION_TYPES[prefix[1]!]! : 'generic';
}

const ENTITY_TYPES: Partial<Record<SpanType, string>> = {
  agent_run: 'agent',
  tool_call: 'tool',
  client_tool_call: 'tool',
  provider_tool_call: 'tool',
  mcp_tool_call: 'tool',
  mcp_server_request: 'mcp_server',
  memory_operation: 'memory',
  workflow_run: 'workflow_run',
  workflow_step: 'workflow_step',
  scorer_run: 'scorer',
  processor_run: 'processor',
};

const PROVIDER_KEYS = known('gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system');

function deriveProvider(get: Lookup): string | null {
  const provider = firstText(get, PROVIDER_KEYS);
  if (provider !== null) return provider;
  // The AI SDK names the API too (`openai.chat`); OpenTelemetry's own names may contain dots.
  const aiSdk = asText(get(AI_SDK_PROVIDER));
  return aiSdk === null ? null : aiSdk.split('.')[0]!;
}

const INPUT_KEYS: Record<'model' | 'tool' | 'other', readonly string[]> = {
  model: known('gen_ai.input.messages', 'input.value', 'ai.prompt.messages', 'ai.prompt', 'gen_ai.prompt', 'input'),
  tool: known(
    'gen_ai.tool.call.arguments',
    'input.value',
    'ai.toolCall.args',
    'tool.parameters',
    'gen_ai.tool.input',
    'input',
  ),
  other: known('input.value', 'ai.prompt', 'ai.values', 'ai.value', 'input'),
};

const OUTPUT_KEYS: Record<'model' | 'tool' | 'other', readonly string[]> = {
  model: known(
    'gen_ai.output.messages',
    'output.value',
    'ai.response.text',
    'ai.response.object',
    'ai.response.toolCalls',
    'ai.result.text',
    'ai.result.object',
    'gen_ai.completion',
    'output',
  ),
  tool: known('gen_ai.tool.call.result', 'output.value', 'ai.toolCall.result', 'gen_ai.tool.output', 'output'),
  other: known('output.value', 'ai.response.text', 'ai.response.object', 'ai.embeddings', 'ai.embedding', 'output'),
};

function payloadFamily(spanType: SpanType): 'model' | 'tool' | 'other' {
  if (spanType.startsWith('model_')) return 'model';
  if (spanType.endsWith('tool_call')) return 'tool';
  return 'other';
}

function parseJsonArray(value: AttributeValue | undefined): AttributeValue[] | null {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string' || !value.trim().startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? (parsed as AttributeValue[]) : null;
  } catch {
    return null;
  }
}

const TAG_KEYS = known('mastra.tags', 'tag.tags', 'ai.telemetry.metadata.tags');

function deriveTags(get: Lookup): string[] {
  for (const key of TAG_KEYS) {
    const list = parseJsonArray(get(key));
    if (list) return [...new Set(list.filter((tag): tag is string => typeof tag === 'string' && tag !== ''))];
  }
  return [];
}

const METADATA_PREFIXES = ['mastra.metadata.', 'ai.telemetry.metadata.'];

function deriveMetadata(attributes: AttributeMap): AttributeMap {
  const metadata: AttributeMap = {};
  const openInference = attributes.metadata;
  if (typeof openInference === 'string' && openInference.trim().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(openInference);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
          if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number')
            metadata[key] = value;
          else if (value !== null) metadata[key] = JSON.stringify(value);
        }
      }
    } catch {
      // Not JSON after all: the attribute stays in `attributes`, which is where a reader finds it.
    }
  }
  for (const key in attributes) {
    for (const prefix of METADATA_PREFIXES) {
      if (key.startsWith(prefix) && key.length > prefix.length) metadata[key.slice(prefix.length)] = attributes[key]!;
    }
  }
  return metadata;
}

/** The context fields, tags and metadata of any record. */
export interface RecordContext extends ContextFields {
  tags: string[];
  metadata: AttributeMap;
}

function contextFrom(
  get: Lookup,
  attributes: AttributeMap,
  entityType: string | null,
  entityId: string | null,
  entityName: string | null,
): RecordContext {
  return {
    entityType,
    entityId,
    entityName,
    userId: firstText(get, CONTEXT_KEYS.userId),
    organizationId: firstText(get, CONTEXT_KEYS.organizationId),
    resourceId: firstText(get, CONTEXT_KEYS.resourceId),
    runId: firstText(get, CONTEXT_KEYS.runId),
    sessionId: firstText(get, CONTEXT_KEYS.sessionId),
    threadId: firstText(get, CONTEXT_KEYS.threadId),
    requestId: firstText(get, CONTEXT_KEYS.requestId),
    environment: firstText(get, CONTEXT_KEYS.environment),
    tags: deriveTags(get),
    metadata: deriveMetadata(attributes),
  };
}

const AGENT_ID_KEYS = known('mastra.span.entityId', 'gen_ai.agent.id');
const AGENT_NAME_KEYS = known('mastra.span.entityName', 'gen_ai.agent.name');
const GENAI_AGENT_KEYS = known('gen_ai.agent.id', 'gen_ai.agent.name');

/** Context for a log record or a metric point: from its own attributes, then its resource. */
export function deriveRecordContext(attributes: AttributeMap, resourceAttributes: AttributeMap): RecordContext {
  const get = lookupIn(attributes, resourceAttributes);
  return contextFrom(
    get,
    attributes,
    asText(get('mastra.span.entityType')),
    firstText(get, AGENT_ID_KEYS),
    firstText(get, AGENT_NAME_KEYS),
  );
}

/**
 * Whether a span's usage is the sum of its children's, in the conventions that record a model call's
 * parts as child spans. In the AI SDK a `model_generation` sums its `model_step`s, each one call. In
 * Mastra a `model_generation` sums its `model_step`s, and each step repeats the usage of its
 * `model_inference`, the call itself (seen in `@mastra/core` 1.71's runs). In GenAI and OpenInference
 * a model span is one call.
 */
export function usageSumsChildren(spanType: SpanType, convention: 'mastra' | 'ai-sdk'): boolean {
  return spanType === 'model_generation' || (convention === 'mastra' && spanType === 'model_step');
}

/** Everything a span record derives from its attributes. */
export interface SpanSemantics extends RecordContext, GenAiFields, CostFields {
  spanType: SpanType;
}

export function deriveSpanSemantics(
  attributes: AttributeMap,
  resourceAttributes: AttributeMap,
  spanName: string,
): SpanSemantics {
  const get = lookupIn(attributes, resourceAttributes);
  const spanType = deriveSpanType(get, attributes, spanName);
  const entityId = firstText(get, ENTITY_ID_KEYS);
  const entityName = firstText(get, ENTITY_NAME_KEYS) ?? entityId;
  const family = payloadFamily(spanType);
  const mastraType = asText(get('mastra.span.type'));
  const inputKeys = mastraType ? [`mastra.${mastraType}.input`, ...INPUT_KEYS[family]] : INPUT_KEYS[family];
  const outputKeys = mastraType ? [`mastra.${mastraType}.output`, ...OUTPUT_KEYS[family]] : OUTPUT_KEYS[family];
  const entityType =
    asText(get('mastra.span.entityType')) ??
    ENTITY_TYPES[spanType] ??
    (firstText(get, GENAI_AGENT_KEYS) !== null ? 'agent' : null);
  const tokens = deriveTokens(get);
  const cost = deriveReportedCost(get);
  const context = contextFrom(get, attributes, entityType, entityId, entityName);
  // One literal of every field: adding the span's fields to the context object (Object.assign, or
  // spreads) made each span's derivation a quarter slower; this literal is faster than either.
  return {
    entityType: context.entityType,
    entityId: context.entityId,
    entityName: context.entityName,
    userId: context.userId,
    organizationId: context.organizationId,
    resourceId: context.resourceId,
    runId: context.runId,
    sessionId: context.sessionId,
    threadId: context.threadId,
    requestId: context.requestId,
    environment: context.environment,
    tags: context.tags,
    metadata: context.metadata,
    spanType,
    model: firstText(get, MODEL_KEYS),
    provider: deriveProvider(get),
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    totalTokens: tokens.totalTokens,
    cachedInputTokens: tokens.cachedInputTokens,
    cacheWriteTokens: tokens.cacheWriteTokens,
    reasoningTokens: tokens.reasoningTokens,
    usageIncludesChildren:
      mastraType !== null
        ? usageSumsChildren(spanType, 'mastra')
        : get(AI_SDK_OPERATION) !== undefined && usageSumsChildren(spanType, 'ai-sdk'),
    inputCost: cost.inputCost,
    outputCost: cost.outputCost,
    totalCost: cost.totalCost,
    costSource: cost.costSource,
    input: firstValue(get, inputKeys),
    output: firstValue(get, outputKeys),
  };
}

/**
 * The model fields of a Mastra span from Mastra's own attribute names (`ModelGenerationAttributes`,
 * `ModelStepAttributes`): `responseModel` or `model`, and `provider`, names too general to read on
 * any span. A field Mastra does not give is left out, to be derived as for any span; its tokens
 * (`usage`) and reported cost (`costContext`) are derived so, with every other convention's.
 */
export function deriveMastraModelFields(attributes: AttributeMap): Partial<Pick<GenAiFields, 'model' | 'provider'>> {
  const fields: Partial<Pick<GenAiFields, 'model' | 'provider'>> = {};
  const model = asText(attributes.responseModel) ?? asText(attributes.model);
  if (model !== null) fields.model = model;
  const provider = asText(attributes.provider);
  if (provider !== null) fields.provider = provider;
  return fields;
}

/** `service.name`, as the SDKs default it when it is missing. */
export function serviceNameOf(resourceAttributes: AttributeMap): string {
  return asText(resourceAttributes['service.name']) ?? 'unknown_service';
}

/**
 * The failure of a span: present when its status is an error, with the type and stack of its
 * `exception` event, or of its own `error.*` attributes as Mastra writes them.
 */
export function deriveSpanError(
  statusCode: StatusCode,
  statusMessage: string,
  events: readonly SpanEvent[],
  attributes: AttributeMap,
): SpanError | null {
  if (statusCode !== 'error') return null;
  const exception = events.find((event) => event.name === 'exception')?.attributes ?? {};
  return {
    message:
      statusMessage ||
      asText(exception['exception.message']) ||
      asText(attributes['exception.message']) ||
      asText(attributes['error.message']) ||
      '',
    type:
      asText(exception['exception.type']) ?? asText(attributes['exception.type']) ?? asText(attributes['error.type']),
    stack: asText(exception['exception.stacktrace']) ?? asText(attributes['exception.stacktrace']),
  };
}
