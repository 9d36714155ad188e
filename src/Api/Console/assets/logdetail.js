// A request as a person reads it: the system prompt, each turn (text, tool calls and results, thinking), the
// answer; then tokens by class, cost and price version, the attempts, timing, and what became of the bodies.
import { call } from './api.js';
import { count, el, errorSlot, fill, showError, table, usd, when } from './dom.js';

export async function renderLogDetail(main, requestId) {
  const error = errorSlot();
  fill(main, el('p', {}, el('a', { href: '#/logs', onclick: backToList }, '← Logs')), el('h1', {}, 'Request ', el('code', {}, requestId)), error);
  try {
    const log = await call('GET', `/admin/v1/logs/${encodeURIComponent(requestId)}`);
    main.append(summary(log), conversation(log), attempts(log));
  } catch (failure) {
    showError(error, failure);
  }
}

function backToList(event) {
  if (history.length > 1) {
    event.preventDefault();
    history.back();
  }
}

function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(([, value]) => value !== undefined).map(([name, value]) => [el('dt', {}, name), el('dd', {}, value ?? '—')]));
}

function summary(log) {
  const bodies = log.bodies_omitted ? `not kept: ${log.bodies_omitted}`
    : log.redacted ? 'kept, redacted' : 'kept';
  return el('section', { class: 'card', id: 'request-summary' },
    facts([
      ['Time', when(log.created_at)], ['Status', `${log.status} ${log.outcome}`], ['Error', log.error_message ?? undefined],
      ['Workspace', log.workspace], ['Key', log.key_id], ['Model', log.model], ['Provider', log.provider],
      ['Endpoint', `${log.endpoint}${log.stream ? ' (streamed)' : ''}`],
      ['Metadata', Object.entries(log.metadata ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '—'],
    ]),
    el('h2', {}, 'Tokens and cost'),
    facts([
      ['Input', count(log.input_tokens)], ['Output', count(log.output_tokens)],
      ['Cache write', count(log.cache_creation_input_tokens)], ['Cache read', count(log.cache_read_input_tokens)],
      ['Cost', log.price_missing ? 'no price for this model' : usd(log.cost_usd)], ['Price version', log.price_version],
    ]),
    el('h2', {}, 'Timing and bodies'),
    facts([
      ['Latency', `${Math.round(log.latency_ms)} ms`],
      ['First byte', log.time_to_first_byte_ms === null ? '—' : `${Math.round(log.time_to_first_byte_ms)} ms`],
      ['Bodies', bodies], ['Bodies expire', log.bodies_expire_at ? when(log.bodies_expire_at) : undefined],
    ]));
}

function attempts(log) {
  return el('section', { class: 'card' }, el('h2', {}, 'Attempts'),
    table(['#', 'Provider', 'Model', 'Status', 'Outcome', 'Error', 'Latency'], (log.attempts ?? []).map((a, i) => el('tr', {},
      el('td', {}, String(i + 1)), el('td', {}, a.provider ?? '—'), el('td', {}, a.model ?? '—'), el('td', {}, String(a.status)),
      el('td', {}, a.outcome), el('td', {}, a.error_type ?? '—'), el('td', { class: 'num' }, `${Math.round(a.latency_ms)} ms`))), 'Attempts'));
}

function conversation(log) {
  const section = el('section', { class: 'card conversation', id: 'conversation' }, el('h2', {}, 'Conversation'));
  const request = log.request;
  if (!request) {
    section.append(el('p', { class: 'note' }, log.bodies_omitted ? `The bodies are not kept (${log.bodies_omitted}).` : 'The bodies are not kept.'));
    return section;
  }
  if (request.system) section.append(turn('system', request.system));
  for (const message of request.messages ?? []) section.append(turn(message.role, message.content));
  if (log.response?.content) {
    section.append(turn('answer', log.response.content, log.response.stop_reason ? `stop: ${log.response.stop_reason}` : null));
  }
  return section;
}

function turn(role, content, note) {
  const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];
  return el('article', { class: `turn ${role}`, dataset: { role } },
    el('h3', {}, role, note ? el('small', {}, ` (${note})`) : null),
    blocks.map(block));
}

function block(b) {
  switch (b?.type) {
    case 'text':
      return el('p', { class: 'text' }, b.text ?? '');
    case 'thinking':
      return el('details', { class: 'thinking' }, el('summary', {}, 'Thinking'), el('p', { class: 'text' }, b.thinking ?? ''));
    case 'redacted_thinking':
      return el('p', { class: 'note' }, 'Thinking (redacted by the provider)');
    case 'tool_use':
    case 'server_tool_use':
      return el('div', { class: 'tool-call' }, el('strong', {}, `Tool call: ${b.name}`), el('pre', {}, JSON.stringify(b.input ?? {}, null, 2)));
    case 'tool_result':
      return el('div', { class: 'tool-result' }, el('strong', {}, `Tool result${b.is_error ? ' (error)' : ''}`),
        typeof b.content === 'string' ? el('pre', {}, b.content) : (b.content ?? []).map(block));
    case 'image':
    case 'document':
      return el('p', { class: 'note' }, `[${b.type}${b.source?.media_type ? `: ${b.source.media_type}` : ''}]`);
    default:
      return el('pre', { class: 'other' }, JSON.stringify(b, null, 2));
  }
}
