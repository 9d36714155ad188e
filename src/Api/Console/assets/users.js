// Users (signed on through an identity provider): month-to-date spend, the budget and rate limits their scope enforces,
// blocked or not. Org admins and the workspace's admins block, unblock and set a user's own limits; analysts read.
import { call, currentSession, isOrgAdmin, query } from './api.js';
import { choice, el, errorSlot, field, fill, table, usd, when } from './dom.js';
import { exactNumber, listSection, onSubmit, pagingLinks } from './controls.js';

const pageSize = 50;

function mayChange(workspace) {
  const session = currentSession();
  return isOrgAdmin() || (session?.role === 'workspace_admin' && session.workspaces.includes(workspace));
}

export async function renderUsers(main, params) {
  const workspace = params.get('workspace') ?? '';
  const cursor = params.get('cursor');
  const limitsForm = userLimitsForm(() => reload());
  const { section, reload } = listSection('user-list',
    () => call('GET', `/admin/v1/users${query({ workspace, cursor, limit: pageSize })}`),
    (body, page) => drawList(body, page, { workspace }, cursor, limitsForm, reload));
  fill(main, el('h1', {}, 'Users'), filterForm(workspace), limitsForm.form, section);
  await reload();
}

function filterForm(workspace) {
  const form = el('form', { id: 'user-filter', class: 'filters' },
    field('Workspace', 'workspace', { value: workspace }),
    el('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    location.hash = `#/users${query({ workspace: form.elements.workspace.value.trim() })}`;
  });
  return form;
}

// One user's own budget and rate limits; a part left empty returns to the workspace's per-user defaults.
function userLimitsForm(reload) {
  const error = errorSlot();
  const title = el('h2', {}, '');
  const form = el('form', { id: 'user-limits', class: 'card', hidden: true }, title,
    el('p', { class: 'note' }, 'Leave the budget or all rate limits empty to use the workspace\'s per-user defaults.'),
    el('div', { class: 'fields' },
      field('Budget (USD)', 'limit_usd', { inputmode: 'decimal' }),
      choice('Budget period', 'period', [['monthly', 'Monthly'], ['weekly', 'Weekly'], ['daily', 'Daily'], ['total', 'Total']], 'monthly'),
      field('Requests per minute', 'rpm', { inputmode: 'numeric' }),
      field('Tokens per minute', 'tpm', { inputmode: 'numeric' }),
      field('Concurrent requests', 'concurrency', { inputmode: 'numeric' })),
    error,
    el('button', { type: 'submit' }, 'Save limits'), ' ',
    el('button', { type: 'button', onclick: () => { form.hidden = true; } }, 'Cancel'));
  let userId = null;
  onSubmit(form, error, async values => {
    const limit = exactNumber(values.limit_usd);
    const rates = { rpm: exactNumber(values.rpm), tpm: exactNumber(values.tpm), concurrency: exactNumber(values.concurrency) };
    await call('PATCH', `/admin/v1/users/${encodeURIComponent(userId)}`, {
      budget: limit === undefined ? null : { limit_usd: limit, period: values.period },
      rate_limits: Object.values(rates).every(v => v === undefined) ? null : rates,
    });
    form.hidden = true;
    await reload();
  });
  const edit = user => {
    userId = user.id;
    title.textContent = `Limits of ${user.subject} (${user.workspace})`;
    form.elements.limit_usd.value = user.own_budget?.limit_usd ?? '';
    form.elements.period.value = user.own_budget?.period ?? 'monthly';
    for (const name of ['rpm', 'tpm', 'concurrency']) form.elements[name].value = user.own_rate_limits?.[name] ?? '';
    form.hidden = false;
    form.scrollIntoView();
    form.elements.limit_usd.focus();
  };
  return { form, edit };
}

function rateText(limits) {
  if (!limits) return 'none';
  return [['rpm', 'rpm'], ['tpm', 'tpm'], ['concurrency', 'concurrent']]
    .filter(([name]) => limits[name] !== null && limits[name] !== undefined).map(([name, unit]) => `${limits[name]} ${unit}`).join(', ') || 'none';
}

function drawList(body, page, filters, cursor, limitsForm, reload) {
  const rows = page.data.map(user => el('tr', { dataset: { user: user.id } },
    el('td', {}, user.subject, el('br'), el('small', {}, el('code', {}, user.id))),
    el('td', {}, user.identity_provider),
    el('td', {}, user.workspace),
    el('td', { class: 'num' }, usd(user.month_to_date_usd)),
    el('td', { class: 'num' }, user.budget ? `${usd(user.budget.limit_usd)} ${user.budget.period}` : 'none',
      user.budget ? el('div', { class: 'note' }, user.own_budget ? 'own' : 'workspace default') : null),
    el('td', { class: 'num' }, user.budget ? usd(user.budget.remaining_usd) : '—'),
    el('td', {}, rateText(user.rate_limits)),
    el('td', { class: `status ${user.blocked ? 'bad' : 'active'}` }, user.blocked ? `blocked ${when(user.blocked_at)}` : 'active'),
    el('td', { class: 'actions' }, mayChange(user.workspace) ? [
      actionButton(user.blocked ? 'Unblock' : 'Block', () => call('POST', `/admin/v1/users/${encodeURIComponent(user.id)}/${user.blocked ? 'unblock' : 'block'}`), reload),
      el('button', { type: 'button', onclick: () => limitsForm.edit(user) }, 'Edit limits'),
    ] : null)));
  fill(body,
    table(['User', 'Identity provider', 'Workspace', 'Spent this month', 'Budget', 'Remaining', 'Rate limits', 'State', ''], rows, 'Users'),
    rows.length ? null : el('p', {}, 'No users.'),
    pagingLinks('/users', filters, cursor, page.next_cursor));
}

// Blocking is undone as easily as it is done: one click, the API's error beside the button.
function actionButton(label, action, reload) {
  const slot = el('span', { class: 'error', role: 'alert', hidden: true });
  const button = el('button', { type: 'button' }, label);
  onClick(button, slot, async () => {
    await action();
    await reload();
  });
  return el('span', {}, button, slot);
}

function onClick(button, slot, action) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await action();
    } catch (failure) {
      slot.textContent = failure.message;
      slot.hidden = false;
      button.disabled = false;
    }
  });
}
