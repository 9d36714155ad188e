// Workspaces: the list with each budget's spend (paged on the server), creation and deletion (org admins), and one
// workspace's form (#/workspaces/<id>): a change sends only the fields the admin touched, so what a workspace admin
// may not change is refused by the API, in place, only when they try to.
import { call, currentSession, isOrgAdmin } from './api.js';
import { confirmButton, el, errorSlot, field, fill, usd, when } from './dom.js';
import { changed, onSubmit } from './forms.js';
import { pagedList, resourceScreen } from './lists.js';
import { readWorkspace, workspaceFields } from './workspaceform.js';

export async function renderWorkspaces(main, params) {
  const list = pagedList({
    id: 'workspace-list', path: '/admin/v1/workspaces', href: '#/workspaces', params, label: 'Workspaces', empty: 'No workspaces.',
    headers: ['Workspace', 'Spent', 'Budget', 'Remaining', 'Resets', 'Rate limits', 'Logging', ''], row,
  });
  fill(main, el('h1', {}, 'Workspaces'), isOrgAdmin() ? createForm() : null, list.nodes);
  await list.reload();
}

function createForm() {
  const error = errorSlot();
  const form = el('form', { id: 'create-workspace', class: 'card' },
    el('h2', {}, 'Create a workspace'),
    el('div', { class: 'fields' }, field('Id', 'id', { required: true, placeholder: 'finance' })),
    workspaceFields(null),
    error,
    el('button', { type: 'submit' }, 'Create workspace'));
  const blank = readWorkspace(form.elements);
  onSubmit(form, error, async elements => {
    const created = await call('POST', '/admin/v1/workspaces', { id: elements.id.value.trim(), ...changed(blank, readWorkspace(elements)) });
    location.hash = `#/workspaces/${encodeURIComponent(created.id)}`;
  });
  return form;
}

function limitsText(limits) {
  if (!limits) return 'none';
  return [['rpm', 'rpm'], ['tpm', 'tpm'], ['concurrency', 'in flight']]
    .filter(([name]) => limits[name] !== null && limits[name] !== undefined).map(([name, text]) => `${limits[name]} ${text}`).join(', ');
}

function row(ws, reload) {
  return el('tr', { dataset: { workspace: ws.id } },
    el('td', {}, el('a', { href: `#/workspaces/${encodeURIComponent(ws.id)}` }, ws.name), el('br'), el('small', {}, el('code', {}, ws.id))),
    el('td', { class: 'num' }, ws.budget ? usd(ws.budget.spent_usd) : '—'),
    el('td', { class: 'num' }, ws.budget ? `${usd(ws.budget.limit_usd)} ${ws.budget.period}` : 'none'),
    el('td', { class: 'num' }, ws.budget ? usd(ws.budget.remaining_usd) : '—'),
    el('td', {}, ws.budget ? when(ws.budget.resets_at) : '—'),
    el('td', {}, limitsText(ws.rate_limits)),
    el('td', {}, ws.logging.mode),
    el('td', { class: 'actions' }, isOrgAdmin() ? deleteButton(ws.id, reload) : null));
}

function deleteButton(id, done) {
  return confirmButton('Delete', () => call('DELETE', `/admin/v1/workspaces/${encodeURIComponent(id)}`), done);
}

/** One workspace: its budget's state and its form; another workspace's (or a missing one) is the API's 404, shown as such. */
export function renderWorkspace(main, id) {
  return resourceScreen(main, {
    back: '#/workspaces', backText: '← Workspaces', title: 'Workspace', name: id, id: 'workspace',
    path: `/admin/v1/workspaces/${encodeURIComponent(id)}`, draw: drawWorkspace,
  });
}

function drawWorkspace(body, workspace) {
  const readOnly = currentSession()?.role === 'analyst';
  const error = errorSlot();
  const saved = el('span', { class: 'note', role: 'status' });
  const form = el('form', { id: 'edit-workspace', class: 'card' },
    el('fieldset', { class: 'plain', disabled: readOnly }, workspaceFields(workspace)),
    error,
    readOnly ? null : el('p', {}, el('button', { type: 'submit' }, 'Save changes'), ' ', saved));
  const drawn = readWorkspace(form.elements);
  onSubmit(form, error, async elements => {
    const change = changed(drawn, readWorkspace(elements));
    drawWorkspace(body, await call('PATCH', `/admin/v1/workspaces/${encodeURIComponent(workspace.id)}`, change));
    body.querySelector('[role=status]').textContent = Object.keys(change).length ? 'Saved.' : 'Nothing changed.';
  });
  const budget = workspace.budget;
  fill(body,
    el('section', { class: 'card', id: 'workspace-budget' }, el('h2', {}, 'Budget this period'),
      budget
        ? el('dl', { class: 'facts' },
          el('dt', {}, 'Spent'), el('dd', {}, usd(budget.spent_usd)),
          el('dt', {}, 'Reserved'), el('dd', {}, usd(budget.reserved_usd)),
          el('dt', {}, 'Remaining'), el('dd', {}, `${usd(budget.remaining_usd)} of ${usd(budget.limit_usd)} ${budget.period}`),
          el('dt', {}, 'Resets'), el('dd', {}, when(budget.resets_at)))
        : el('p', {}, 'No budget.')),
    form,
    isOrgAdmin() ? el('p', {}, deleteButton(workspace.id, () => { location.hash = '#/workspaces'; })) : null);
}
