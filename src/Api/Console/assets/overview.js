// Overview: this month's spend against last month's by workspace, the top keys, users and models, budgets close to their
// limit, refusals and provider errors over the last 7 days, and whether the ledger and its projections keep up.
// Every figure is an admin API report the signed-in role may read; workspace-scoped roles get only their workspaces.
import { call, query } from './api.js';
import { count, el, errorSlot, fill, showError, table, usd, when } from './dom.js';
import { renderOutcomes } from './outcomes.js';

// Lists read for budgets near their limit: at most this many of each, a page at a time.
const maxBudgetRows = 2000;

export async function renderOverview(main) {
  const now = new Date();
  const thisMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const months = { last: day(lastMonth), this: day(thisMonth), today: day(now) };
  const sections = {
    spend: section('overview-spend', 'Spend by workspace: this month and last'),
    keys: section('overview-top-keys', 'Top keys this month'),
    users: section('overview-top-users', 'Top signed-on users this month'),
    models: section('overview-top-models', 'Top models this month'),
    budgets: section('overview-budgets', 'Budgets close to their limit'),
    outcomes: section('overview-outcomes', 'Refusals and provider errors, last 7 days (per hour, UTC)'),
    health: section('overview-health', 'Ledger and projections'),
  };
  fill(main, el('h1', {}, 'Overview'),
    el('div', { class: 'overview' }, Object.values(sections).map(s => s.node)));
  await Promise.all([
    load(sections.spend, () => drawSpend(sections.spend.body, months)),
    load(sections.keys, () => drawTop(sections.keys.body, 'key', 'Key', months)),
    load(sections.users, () => drawTop(sections.users.body, 'user', 'User', months)),
    load(sections.models, () => drawTop(sections.models.body, 'model', 'Model', months)),
    load(sections.budgets, () => drawBudgets(sections.budgets.body)),
    load(sections.outcomes, () => renderOutcomes(sections.outcomes.body, now)),
    load(sections.health, () => drawHealth(sections.health.body)),
  ]);
}

function section(id, title) {
  const body = el('div', { class: 'body' }, el('p', { class: 'note' }, 'Loading…'));
  const error = errorSlot();
  return { node: el('section', { id, class: 'card' }, el('h2', {}, title), error, body), body, error };
}

// Each section stands alone: one report's failure shows in its place, the others still draw.
async function load(part, draw) {
  try {
    await draw();
  } catch (failure) {
    fill(part.body);
    showError(part.error, failure);
  }
}

function day(date) {
  return date.toISOString().slice(0, 10);
}

function spendReport(params) {
  return call('GET', `/admin/v1/spend${query({ interval: 'month', ...params })}`);
}

async function drawSpend(body, months) {
  const page = await spendReport({ group_by: 'workspace', from: months.last, to: months.today, limit: 10000 });
  const byWorkspace = new Map();
  for (const row of page.data) {
    const entry = byWorkspace.get(row.group) ?? { last: 0, this: 0 };
    entry[row.period_start === months.this ? 'this' : 'last'] += Number(row.cost_usd);
    byWorkspace.set(row.group, entry);
  }
  const rows = [...byWorkspace.entries()].sort((a, b) => b[1].this - a[1].this || b[1].last - a[1].last);
  fill(body,
    rows.length
      ? table(['Workspace', 'Last month', 'This month', 'Change'], rows.map(([name, spend]) => el('tr', { dataset: { group: name } },
        el('td', {}, name), el('td', { class: 'num' }, usd(spend.last)), el('td', { class: 'num' }, usd(spend.this)),
        el('td', { class: 'num' }, change(spend.last, spend.this)))), 'Spend by workspace')
      : el('p', { class: 'empty' }, 'No spend this month or last.'),
    page.next_cursor ? el('p', { class: 'note' }, 'More workspaces than shown: see Spend for all of them.') : null);
}

function change(before, after) {
  if (before === 0) return after === 0 ? '—' : 'new';
  const percent = ((after - before) / before) * 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(0)} %`;
}

async function drawTop(body, groupBy, label, months) {
  const page = await spendReport({ group_by: groupBy, from: months.this, to: months.today, limit: 5 });
  fill(body, page.data.length
    ? table([label, 'Requests', 'Cost'], page.data.map(row => el('tr', { dataset: { group: row.group } },
      el('td', {}, el('code', {}, row.group)), el('td', { class: 'num' }, count(row.requests)), el('td', { class: 'num' }, usd(row.cost_usd)))),
    `Top ${label.toLowerCase()}s`)
    : el('p', { class: 'empty' }, 'No spend this month.'));
}

// Every page of a list, up to a bound.
async function listAll(path) {
  const items = [];
  let cursor = null;
  do {
    const page = await call('GET', `${path}${query({ cursor, limit: 1000 })}`);
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && items.length < maxBudgetRows);
  return { items, more: Boolean(cursor) };
}

// Close to the limit: at or past the budget's first alert threshold, or 80 % without one.
function nearLimit(budget) {
  if (!budget || Number(budget.limit_usd) <= 0) return false;
  const threshold = budget.alert_at?.length ? Math.min(...budget.alert_at.map(Number)) : 0.8;
  return Number(budget.spent_usd) >= threshold * Number(budget.limit_usd);
}

async function drawBudgets(body) {
  const [workspaces, keys, users] = await Promise.all(['/admin/v1/workspaces', '/admin/v1/keys', '/admin/v1/users'].map(listAll));
  const near = [
    ...workspaces.items.filter(w => nearLimit(w.budget)).map(w => ({ kind: 'workspace', id: w.id, name: w.name ?? w.id, budget: w.budget })),
    ...keys.items.filter(k => k.status !== 'revoked' && nearLimit(k.budget)).map(k => ({ kind: 'key', id: k.id, name: k.name, budget: k.budget })),
    ...users.items.filter(u => nearLimit(u.budget)).map(u => ({ kind: 'user', id: u.id, name: u.subject, budget: u.budget })),
  ].sort((a, b) => used(b.budget) - used(a.budget));
  fill(body,
    near.length
      ? table(['Scope', 'Name', 'Spent', 'Limit', 'Used', 'Resets'], near.map(item => el('tr', { dataset: { scope: item.kind, id: item.id } },
        el('td', {}, item.kind), el('td', {}, item.name, ' ', el('code', {}, item.id)),
        el('td', { class: 'num' }, usd(item.budget.spent_usd)), el('td', { class: 'num' }, `${usd(item.budget.limit_usd)} ${item.budget.period}`),
        el('td', { class: 'num' }, `${(used(item.budget) * 100).toFixed(0)} %`), el('td', {}, when(item.budget.resets_at)))), 'Budgets close to their limit')
      : el('p', { class: 'empty' }, 'No budget is close to its limit.'),
    workspaces.more || keys.more || users.more ? el('p', { class: 'note' }, `Only the first ${count(maxBudgetRows)} of each list were read.`) : null);
}

function used(budget) {
  return Number(budget.spent_usd) / Number(budget.limit_usd);
}

async function drawHealth(body) {
  const health = await call('GET', '/admin/v1/health');
  const ledger = health.ledger_available ? 'takes usage events' : 'refuses usage events: new requests get 503';
  fill(body,
    el('p', { id: 'ledger-state', class: `status ${health.ledger_available ? 'active' : 'bad'}` }, `Ledger: ${ledger}`),
    health.projections_readable
      ? table(['Projection', 'Lag', 'Backlog'], health.projections.map(p => el('tr', { dataset: { projection: p.name } },
        el('td', {}, p.name), el('td', { class: 'num' }, `${Number(p.lag_seconds).toFixed(1)} s`), el('td', { class: 'num' }, `${count(p.backlog_events)} events`))),
      'Projection lag')
      : el('p', { class: 'error' }, 'The projections\' progress cannot be read from the database now.'));
}
