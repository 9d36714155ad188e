// The audit trail: who did what to which resource, newest first, paged on the server and filtered as the API allows.
// Workspace admins and analysts get their workspaces' actions only (the API decides).
import { call, query } from './api.js';
import { el, field, fill, table, when } from './dom.js';
import { listSection, pagingLinks } from './controls.js';

const defaultPageSize = 50;
const filterNames = [['actor', 'Actor (token id)'], ['action', 'Action'], ['resource_type', 'Resource type'], ['resource_id', 'Resource id'],
  ['from', 'From (UTC)'], ['to', 'To (UTC)']];

export async function renderAudit(main, params) {
  const filters = Object.fromEntries(filterNames.map(([name]) => [name, params.get(name) ?? '']));
  const cursor = params.get('cursor');
  // The page size can be set in the address (limit=…); the API bounds it.
  const limit = params.get('limit') ?? '';
  const { section, reload } = listSection('audit-list',
    () => call('GET', `/admin/v1/audit${query({ ...filters, cursor, limit: limit || defaultPageSize })}`),
    (body, page) => drawList(body, page, { ...filters, limit }, cursor));
  fill(main, el('h1', {}, 'Audit trail'), filterForm(filters), section);
  await reload();
}

function filterForm(filters) {
  const form = el('form', { id: 'audit-filter', class: 'filters' },
    filterNames.map(([name, label]) => field(label, name, {
      value: filters[name],
      placeholder: name === 'action' ? 'key.revoked' : name === 'from' || name === 'to' ? '2026-01-31' : undefined,
    })),
    el('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const values = Object.fromEntries([...new FormData(form)].map(([name, value]) => [name, value.trim()]));
    location.hash = `#/audit${query(values)}`;
  });
  return form;
}

function drawList(body, page, filters, cursor) {
  const rows = page.data.map(row => el('tr', {},
    el('td', {}, when(row.at)),
    el('td', {}, el('code', {}, row.actor)),
    el('td', {}, row.action),
    el('td', {}, row.resource_type, ' ', el('code', {}, row.resource_id)),
    el('td', {}, row.workspace ?? 'org-wide'),
    el('td', {}, row.details ?? '')));
  fill(body,
    table(['When', 'Who', 'Did', 'To', 'Workspace', 'Details'], rows, 'Audit trail'),
    rows.length ? null : el('p', {}, 'No actions match.'),
    pagingLinks('/audit', filters, cursor, page.next_cursor));
}
