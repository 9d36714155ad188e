// Logs: the request log filtered on the server, newest first, paged by the API's cursor (keyset: no offsets).
// The filters live in the address (#/logs?…), so a search can be shared and the back button goes to the page before.
import { call, query } from './api.js';
import { count, el, errorSlot, field, fill, showError, table, usd, when } from './dom.js';

const filters = [
  ['q', 'Search prompts and answers'], ['workspace', 'Workspace'], ['key', 'Key id'], ['user', 'User id'], ['model', 'Model'],
  ['provider', 'Provider'], ['status', 'Status'], ['from', 'From (UTC)'], ['to', 'To (UTC)'], ['metadata', 'Metadata (key=value)'],
];

export async function renderLogs(main, params) {
  const error = errorSlot();
  const results = el('div', { id: 'log-results' });
  fill(main, el('h1', {}, 'Logs'), filterForm(params), error, results);
  try {
    const page = await call('GET', `/admin/v1/logs${apiQuery(params)}`);
    drawRows(results, page, params);
  } catch (failure) {
    showError(error, failure);
  }
}

function filterForm(params) {
  const form = el('form', { id: 'log-filter', class: 'filters' },
    filters.map(([name, label]) => field(label, name, {
      value: params.get(name) ?? '',
      type: name === 'from' || name === 'to' ? 'datetime-local' : name === 'q' ? 'search' : 'text',
    })),
    el('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const values = Object.fromEntries([...new FormData(form)].map(([name, value]) => [name, value.trim()]));
    if (params.get('limit')) values.limit = params.get('limit');
    location.hash = `#/logs${query(values)}`;
  });
  return form;
}

// The console's filters as the logs API reads them (metadata key=value becomes metadata.key=value).
function apiQuery(params) {
  const values = {};
  for (const [name] of filters) {
    const value = params.get(name);
    if (!value) continue;
    if (name === 'metadata') {
      const at = value.indexOf('=');
      if (at > 0) values[`metadata.${value.slice(0, at).trim()}`] = value.slice(at + 1).trim();
    } else if (name === 'from' || name === 'to') {
      values[name] = value.endsWith('Z') ? value : `${value}Z`;
    } else {
      values[name] = value;
    }
  }
  values.limit = params.get('limit') || 50;
  values.cursor = params.get('cursor');
  return query(values);
}

function drawRows(results, page, params) {
  const rows = page.data.map(row => el('tr', { dataset: { request: row.request_id } },
    el('td', {}, el('a', { href: `#/logs/${encodeURIComponent(row.request_id)}` }, when(row.created_at))),
    el('td', { class: row.status >= 400 ? 'status bad' : 'status' }, String(row.status)),
    el('td', {}, row.model ?? '—'),
    el('td', {}, row.workspace ?? '—'),
    el('td', {}, row.key_id ?? '—'),
    el('td', {}, row.provider ?? '—'),
    el('td', { class: 'num' }, count(row.input_tokens)),
    el('td', { class: 'num' }, count(row.output_tokens)),
    el('td', { class: 'num' }, usd(row.cost_usd)),
    el('td', { class: 'num' }, `${Math.round(row.latency_ms)} ms`)));
  const next = new URLSearchParams(params);
  next.set('cursor', page.next_cursor ?? '');
  fill(results,
    table(['Time', 'Status', 'Model', 'Workspace', 'Key', 'Provider', 'Input', 'Output', 'Cost', 'Latency'], rows, 'Requests'),
    rows.length ? null : el('p', { class: 'empty' }, 'No requests match.'),
    el('p', { class: 'paging' },
      params.get('cursor') ? el('button', { type: 'button', onclick: () => history.back() }, 'Newer') : null,
      page.next_cursor ? el('a', { class: 'button', id: 'older', href: `#/logs?${next}` }, 'Older') : null));
}
