// Admin tokens (org admins): the list (names, roles, workspaces; the API keeps only hashes), creation and deletion.
// A new token is shown once, in the page only (never in storage or the address), until the admin closes it.
import { call, query } from './api.js';
import { choice, confirmButton, el, errorSlot, field, fill, table, when } from './dom.js';
import { listSection, onSubmit, pagingLinks } from './controls.js';

const pageSize = 50;

export async function renderAdminTokens(main, params) {
  const cursor = params.get('cursor');
  const tokenPanel = el('section', { id: 'token-panel', class: 'card secret', hidden: true, 'aria-live': 'polite' });
  const { section, reload } = listSection('admin-token-list',
    () => call('GET', `/admin/v1/admin-tokens${query({ cursor, limit: pageSize })}`),
    (body, page) => drawList(body, page, cursor, reload));
  fill(main, el('h1', {}, 'Admin tokens'), createForm(tokenPanel, () => reload()), tokenPanel, section);
  await reload();
}

function createForm(tokenPanel, reload) {
  const error = errorSlot();
  const form = el('form', { id: 'create-admin-token', class: 'card' },
    el('h2', {}, 'Create an admin token'),
    el('div', { class: 'fields' },
      field('Name', 'name', { required: true }),
      choice('Role', 'role', [['analyst', 'Analyst'], ['workspace_admin', 'Workspace admin'], ['org_admin', 'Org admin']], 'analyst'),
      field('Workspaces (comma-separated)', 'workspaces', { placeholder: 'none for an org admin' })),
    error,
    el('button', { type: 'submit' }, 'Create token'));
  onSubmit(form, error, async values => {
    const workspaces = values.workspaces.split(',').map(w => w.trim()).filter(Boolean);
    const created = await call('POST', '/admin/v1/admin-tokens',
      { name: values.name.trim(), role: values.role, workspaces: workspaces.length ? workspaces : undefined });
    showToken(tokenPanel, created);
    form.reset();
    await reload();
  });
  return form;
}

function drawList(body, page, cursor, reload) {
  const rows = page.data.map(token => el('tr', { dataset: { token: token.id } },
    el('td', {}, token.name),
    el('td', {}, el('code', {}, token.id)),
    el('td', {}, token.role),
    el('td', {}, token.workspaces.length ? token.workspaces.join(', ') : 'all'),
    el('td', {}, when(token.created_at)),
    el('td', { class: 'actions' }, token.bootstrap ? el('span', { class: 'note' }, 'bootstrap') : confirmButton('Delete', async () => {
      await call('DELETE', `/admin/v1/admin-tokens/${encodeURIComponent(token.id)}`);
      await reload();
    }))));
  fill(body,
    el('p', { class: 'note' }, 'The token from GATEWAY_ADMIN_TOKEN is configured on the gateway and not listed here.'),
    table(['Name', 'Id', 'Role', 'Workspaces', 'Created', ''], rows, 'Admin tokens'),
    rows.length ? null : el('p', {}, 'No admin tokens.'),
    pagingLinks('/admin-tokens', {}, cursor, page.next_cursor));
}

function showToken(panel, token) {
  const copied = el('span', { class: 'note', 'aria-live': 'polite' });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      copied.textContent = 'Copied.';
    } catch {
      copied.textContent = 'Copy failed: select the text and copy it.';
    }
  };
  fill(panel,
    el('h2', {}, `Admin token created: ${token.name}`),
    el('p', {}, `Role ${token.role}${token.workspaces.length ? ` of ${token.workspaces.join(', ')}` : ''}. `
      + 'Copy the token now: it is shown this once and cannot be read again.'),
    el('p', {}, el('code', { id: 'new-admin-token' }, token.token), ' ', el('button', { type: 'button', onclick: copy }, 'Copy'), ' ', copied),
    el('button', { type: 'button', id: 'token-done', onclick: () => { fill(panel); panel.hidden = true; } }, 'Done'));
  panel.hidden = false;
}
