// Refusals and provider errors per hour over the last 7 days, as a chart (uPlot) with its totals as a table, from
// /admin/v1/outcomes (the hourly roll-ups: a week is a few hundred rows whatever the number of requests).
import uPlot from './uPlot.esm.js';
import { call, query } from './api.js';
import { count, el, fill, table } from './dom.js';

const hour = 3600;
const maxRows = 20000;

// What a request counts as on the chart (the first kind that matches).
const kinds = [
  { id: 'budget', label: 'Budget refusals (402)', color: '#8a6d00', test: r => r.status === 402 },
  { id: 'rate_limit', label: 'Rate limited (429)', color: '#6a1b9a', test: r => r.status === 429 },
  { id: 'provider_error', label: 'Provider errors (5xx, 529)', color: '#b00020', test: r => r.status >= 500 || r.outcome.startsWith('provider_') },
  { id: 'other_refusal', label: 'Other refusals (4xx)', color: '#455a64', test: r => r.outcome === 'refused' },
];

export async function renderOutcomes(body, now) {
  const to = Math.ceil(now.getTime() / 1000 / hour) * hour;
  const from = to - 7 * 24 * hour;
  const rows = [];
  let cursor = null;
  do {
    const page = await call('GET', `/admin/v1/outcomes${query({
      interval: 'hour', from: new Date(from * 1000).toISOString(), to: new Date(to * 1000).toISOString(), cursor, limit: 10000,
    })}`);
    rows.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && rows.length < maxRows);

  const hours = [];
  for (let t = from; t < to; t += hour) hours.push(t);
  const series = kinds.map(kind => ({ ...kind, perHour: new Map(), total: 0 }));
  // Answered requests and clients that left are totalled only.
  const others = { completed: 0, client_disconnected: 0 };
  for (const row of rows) {
    const kind = series.find(k => k.test(row));
    if (!kind) {
      others[row.outcome === 'completed' ? 'completed' : 'client_disconnected'] += row.requests;
      continue;
    }
    const at = Date.parse(row.period_start) / 1000;
    kind.perHour.set(at, (kind.perHour.get(at) ?? 0) + row.requests);
    kind.total += row.requests;
  }
  const chart = el('div', { id: 'outcomes-chart' });
  fill(body, chart,
    table(['Requests', 'Last 7 days'], [
      ...series.map(kind => el('tr', { dataset: { kind: kind.id } }, el('td', {}, kind.label), el('td', { class: 'num' }, count(kind.total)))),
      el('tr', { dataset: { kind: 'completed' } }, el('td', {}, 'Answered'), el('td', { class: 'num' }, count(others.completed))),
      el('tr', { dataset: { kind: 'client_disconnected' } }, el('td', {}, 'Client left before the answer'),
        el('td', { class: 'num' }, count(others.client_disconnected))),
    ], 'Requests by outcome'));
  // The chart is a picture of the table, which is what screen readers and tests read.
  new uPlot({
    width: Math.max(320, chart.clientWidth || 900),
    height: 220,
    tzDate: ts => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: { x: { time: true, range: () => [from, to] } },
    series: [{}, ...series.map(kind => ({ label: kind.label, stroke: kind.color, width: 2, points: { show: false } }))],
    axes: [{}, { values: (u, values) => values.map(v => count(v)) }],
  }, [hours, ...series.map(kind => hours.map(t => kind.perHour.get(t) ?? 0))], chart);
}
