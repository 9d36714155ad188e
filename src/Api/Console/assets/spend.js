// Spend and chargeback: spend over time as a chart (uPlot) with its totals as a table, and a month's chargeback
// with the API's own CSV as the download. Both are the API's reports; the page only draws them.
import uPlot from './uPlot.esm.js';
import { call, query } from './api.js';
import { choice, el, errorSlot, field, fill, showError, table, usd } from './dom.js';

const maxChartRows = 10000;

export async function renderSpend(main, params) {
  const today = new Date().toISOString().slice(0, 10);
  const spend = {
    group_by: params.get('group_by') || 'workspace',
    interval: params.get('interval') || 'day',
    from: params.get('from') || new Date(Date.now() - 29 * 86400000).toISOString().slice(0, 10),
    to: params.get('to') || today,
  };
  const chargeback = { month: params.get('month') || today.slice(0, 7), dimension: params.get('dimension') || 'workspace' };
  const spendError = errorSlot();
  const chargebackError = errorSlot();
  const chart = el('div', { id: 'spend-chart' });
  const totals = el('div', { id: 'spend-totals' });
  const report = el('div', { id: 'chargeback' });
  fill(main,
    el('h1', {}, 'Spend'),
    el('section', { class: 'card' }, spendForm(spend, chargeback), spendError, chart, totals),
    el('section', { class: 'card' }, el('h2', {}, 'Chargeback'), chargebackForm(spend, chargeback), chargebackError, report));
  await Promise.all([
    loadSpend(spend).then(rows => drawSpend(chart, totals, rows, spend)).catch(failure => showError(spendError, failure)),
    call('GET', `/admin/v1/chargeback${query({ ...chargeback, limit: 10000 })}`)
      .then(answer => drawChargeback(report, answer, chargeback)).catch(failure => showError(chargebackError, failure)),
  ]);
}

function go(spend, chargeback) {
  location.hash = `#/spend${query({ ...spend, ...chargeback })}`;
}

function spendForm(spend, chargeback) {
  const form = el('form', { id: 'spend-filter', class: 'filters' },
    field('Group by', 'group_by', { value: spend.group_by, list: 'group-by-choices' }),
    el('datalist', { id: 'group-by-choices' }, ['workspace', 'key', 'user', 'model', 'provider', 'metadata.user'].map(v => el('option', { value: v }))),
    choice('Interval', 'interval', [['day', 'Day'], ['month', 'Month']], spend.interval),
    field('From', 'from', { type: 'date', value: spend.from }),
    field('To', 'to', { type: 'date', value: spend.to }),
    el('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    go(Object.fromEntries(new FormData(form)), chargeback);
  });
  return form;
}

function chargebackForm(spend, chargeback) {
  const form = el('form', { id: 'chargeback-filter', class: 'filters' },
    field('Month', 'month', { type: 'month', value: chargeback.month }),
    field('By', 'dimension', { value: chargeback.dimension }),
    el('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    go(spend, Object.fromEntries(new FormData(form)));
  });
  return form;
}

// Every page of the report, up to a bound the chart can draw.
async function loadSpend(spend) {
  const rows = [];
  let cursor = null;
  do {
    const page = await call('GET', `/admin/v1/spend${query({ ...spend, cursor, limit: 1000 })}`);
    rows.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && rows.length < maxChartRows);
  return rows;
}

function drawSpend(chart, totals, rows, spend) {
  const periods = [...new Set(rows.map(r => r.period_start))].sort();
  const byGroup = new Map();
  for (const row of rows) {
    const group = byGroup.get(row.group) ?? { cost: new Map(), requests: 0, total: 0 };
    group.cost.set(row.period_start, Number(row.cost_usd));
    group.requests += row.requests;
    group.total += Number(row.cost_usd);
    byGroup.set(row.group, group);
  }
  const groups = [...byGroup.entries()].sort((a, b) => b[1].total - a[1].total);
  fill(totals, table([spend.group_by, 'Requests', 'Cost'], groups.map(([name, g]) => el('tr', { dataset: { group: name } },
    el('td', {}, name), el('td', { class: 'num' }, String(g.requests)), el('td', { class: 'num' }, usd(g.total)))), 'Spend by group'),
  groups.length ? null : el('p', { class: 'empty' }, 'No spend in this period.'));
  fill(chart);
  if (!periods.length) return;
  const palette = ['#3a57c4', '#11763a', '#b00020', '#8a6d00', '#6a1b9a', '#00838f', '#d84315', '#455a64'];
  const data = [periods.map(p => Date.parse(`${p}T00:00:00Z`) / 1000), ...groups.map(([, g]) => periods.map(p => g.cost.get(p) ?? 0))];
  const series = [{}, ...groups.map(([name], i) => ({
    label: name, stroke: palette[i % palette.length], width: 2, points: { size: 7 }, value: (u, v) => usd(v),
  }))];
  // The chart is a picture of the table below it, which is what screen readers and tests read.
  new uPlot({
    width: Math.max(320, chart.clientWidth || 900),
    height: 280,
    tzDate: ts => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    // The period asked for, whatever days have spend (one day alone would otherwise stretch over years).
    scales: { x: { time: true, range: () => [Date.parse(`${spend.from}T00:00:00Z`) / 1000, Date.parse(`${spend.to}T00:00:00Z`) / 1000 + 86400] } },
    series,
    axes: [{}, { values: (u, values) => values.map(v => usd(v)), size: 90 }],
  }, data, chart);
}

function drawChargeback(report, answer, chargeback) {
  const csv = `/admin/v1/chargeback${query({ month: chargeback.month, dimension: chargeback.dimension, format: 'csv' })}`;
  fill(report,
    table([answer.dimension, 'Requests', 'Cost'], answer.rows.map(row => el('tr', { dataset: { value: row.value } },
      el('td', {}, row.value), el('td', { class: 'num' }, String(row.requests)), el('td', { class: 'num' }, usd(row.cost_usd)))), 'Chargeback'),
    el('p', {}, `Total ${usd(answer.total_usd)}`, answer.next_cursor ? ' (the table shows the first 10,000 rows; the CSV has them all)' : ''),
    el('a', { class: 'button', id: 'chargeback-csv', href: csv, download: `chargeback-${chargeback.month}.csv` }, 'Download CSV'));
}
