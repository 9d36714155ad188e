// Keys: the list with budgets and spend (paged on the server), creation, rotation and revocation.
// A new secret is shown once, in the page only (never in storage or the address), until the admin closes it.
import { call, query } from './api.js';
import { choice, el, errorSlot, field, fill, showError, table, usd, when } from './dom.js';
import { twoClickButton } from './controls.js';

const pageSize = 25;

export async function renderKeys(main, params) {
  const secretPanel = el('section', { id: 'secret-panel', class: 'card secret', hidden: true, 'aria-live': 'polite' });
  const listError = errorSlot();
  const list = el('div', { id: 'key-list' });
  fill(main,
    el('h1', {}, 'Keys'),
    createForm(secretPanel, () => reload()),
    secretPanel,
    filterForm(params),
    listError,
    list);

  async function reload() {
    try {
      const page = await call('GET', `/admin/v1/keys${query({ workspace: params.get('workspace'), cursor: params.get('cursor'), limit: pageSize })}`);
      drawList(list, page, params, secretPanel, reload);
      showError(listError, null);
    } catch (failure) {
      showError(listError, failure);
    }
  }
  await reload();
}

function createForm(secretPanel, reload) {
  const error = errorSlot();
  const form = el('form', { id: 'create-key', class: 'card' },
    el('h2', {}, 'Create a key'),
    el('div', { class: 'fields' },
      field('Workspace', 'workspace', { required: true }),
      field('Name', 'name'),
      field('Budget (USD)', 'limit_usd', { type: 'number', min: '0', step: 'any' }),
      choice('Budget period', 'period', [['monthly', 'Monthly'], ['weekly', 'Weekly'], ['daily', 'Daily'], ['total', 'Total']], 'monthly'),
      field('Expires (UTC)', 'expires_at', { type: 'datetime-local' })),
    error,
    el('button', { type: 'submit' }, 'Create key'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    const body = { workspace: values.workspace.trim(), name: values.name.trim() || undefined };
    if (values.limit_usd !== '') body.budget = { limit_usd: Number(values.limit_usd), period: values.period };
    if (values.expires_at) body.expires_at = `${values.expires_at}:00Z`;
    try {
      const created = await call('POST', '/admin/v1/keys', body);
      showError(error, null);
      showSecret(secretPanel, created, 'created');
      form.reset();
      await reload();
    } catch (failure) {
      showError(error, failure);
    }
  });
  return form;
}

function filterForm(params) {
  const form = el('form', { id: 'key-filter', class: 'filters' },
    field('Workspace', 'workspace', { value: params.get('workspace') ?? '' }),
    el('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    location.hash = `#/keys${query({ workspace: form.elements.workspace.value.trim() })}`;
  });
  return form;
}

function drawList(list, page, params, secretPanel, reload) {
  const rows = page.data.map(key => el('tr', { dataset: { key: key.id } },
    el('td', {}, key.name),
    el('td', {}, el('code', {}, key.id), el('br'), el('small', {}, key.hint)),
    el('td', {}, key.workspace),
    el('td', { class: `status ${key.status}` }, key.status),
    el('td', { class: 'num' }, key.budget ? usd(key.budget.spent_usd) : '—'),
    el('td', { class: 'num' }, key.budget ? `${usd(key.budget.limit_usd)} ${key.budget.period}` : 'none'),
    el('td', { class: 'num' }, key.budget ? usd(key.budget.remaining_usd) : '—'),
    el('td', {}, key.budget ? when(key.budget.resets_at) : '—'),
    el('td', {}, when(key.expires_at)),
    el('td', { class: 'actions' }, key.status === 'revoked' ? '' : [
      confirmButton('Rotate', async () => showSecret(secretPanel, await call('POST', `/admin/v1/keys/${encodeURIComponent(key.id)}/rotate`), 'rotated'), reload),
      confirmButton('Revoke', () => call('POST', `/admin/v1/keys/${encodeURIComponent(key.id)}/revoke`), reload),
    ])));
  const next = page.next_cursor
    ? el('a', { class: 'button', href: `#/keys${query({ workspace: params.get('workspace'), cursor: page.next_cursor })}` }, 'Next page')
    : null;
  fill(list,
    table(['Name', 'Key', 'Workspace', 'Status', 'Spent', 'Budget', 'Remaining', 'Resets', 'Expires', ''], rows, 'Keys'),
    rows.length ? null : el('p', {}, 'No keys.'),
    el('p', { class: 'paging' }, params.get('cursor') ? el('a', { class: 'button', href: `#/keys${query({ workspace: params.get('workspace') })}` }, 'First page') : null, next));
}

// Two clicks: the first asks, the second acts; the API's error shows beside the button.
function confirmButton(label, action, reload) {
  return twoClickButton(label, async () => {
    await action();
    await reload();
  });
}

function showSecret(panel, key, what) {
  const snippet = `export ANTHROPIC_BASE_URL=${location.origin}\nexport ANTHROPIC_AUTH_TOKEN=${key.key}\nclaude`;
  const copied = el('span', { class: 'note', 'aria-live': 'polite' });
  const copy = (text) => async () => {
    try {
      await navigator.clipboard.writeText(text);
      copied.textContent = 'Copied.';
    } catch {
      copied.textContent = 'Copy failed: select the text and copy it.';
    }
  };
  fill(panel,
    el('h2', {}, `Key ${what}: ${key.name}`),
    el('p', {}, 'Copy the secret now: it is shown this once and cannot be read again.'),
    el('p', {}, el('code', { id: 'new-secret' }, key.key), ' ', el('button', { type: 'button', onclick: copy(key.key) }, 'Copy'), ' ', copied),
    el('h3', {}, 'Claude Code'),
    el('pre', { id: 'claude-code-snippet' }, snippet),
    el('button', { type: 'button', onclick: copy(snippet) }, 'Copy set-up'),
    ' ',
    el('button', { type: 'button', id: 'secret-done', onclick: () => { fill(panel); panel.hidden = true; } }, 'Done'));
  panel.hidden = false;
}
