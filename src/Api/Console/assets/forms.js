// Forms on the admin API: fields read as the API's JSON, a change sent as only the fields that changed (so a role
// sends nothing it did not touch), and the API's own error shown in place. The API validates; the page only parses.
import { choice, el, field, showError } from './dom.js';

/** A labelled textarea; extra attributes go to the textarea. */
export function area(label, name, attributes = {}) {
  return el('label', {}, el('span', {}, label), el('textarea', { name, id: `f-${name}`, rows: 3, ...attributes }));
}

/** The items of a comma- or line-separated list, trimmed, empty ones left out. */
export function items(text) {
  return text.split(/[,\n]/).map(s => s.trim()).filter(Boolean);
}

/** An object from `name=value` lines (for metadata and header maps); a line without `=` is the client's mistake. */
export function pairs(text, what) {
  const result = {};
  for (const line of text.split('\n').map(l => l.trim()).filter(Boolean)) {
    const at = line.indexOf('=');
    if (at < 1) throw new Error(`${what}: each line is name=value ('${line}' is not).`);
    result[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return result;
}

export function pairsText(object) {
  return Object.entries(object ?? {}).map(([name, value]) => `${name}=${value}`).join('\n');
}

/** A number field's value as JSON: empty is null; anything else goes to the API as typed, for it to judge. */
export function number(text) {
  const trimmed = String(text ?? '').trim();
  return trimmed === '' ? null : Number(trimmed);
}

/** The fields of <current> whose JSON differs from <initial>: what a PATCH (or a creation from a blank form) sends. */
export function changed(initial, current) {
  return Object.fromEntries(Object.entries(current).filter(([name, value]) => JSON.stringify(value) !== JSON.stringify(initial[name])));
}

/** Runs <action> on submit; its failure (the API's error, or a field the page could not read) shows in <error>. */
export function onSubmit(form, error, action) {
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    try {
      await action(form.elements);
      showError(error, null);
    } catch (failure) {
      showError(error, failure);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

const periods = [['monthly', 'Monthly'], ['weekly', 'Weekly'], ['daily', 'Daily'], ['total', 'Total']];

/** Inputs for a `budget` object ({limit_usd, period, alert_at}) named `<prefix>_…`; empty limit is no budget. */
export function budgetFields(prefix, label, budget) {
  return el('fieldset', { class: 'fields' }, el('legend', {}, label),
    field(`${label} (USD)`, `${prefix}_limit_usd`, { type: 'number', step: 'any', value: budget?.limit_usd ?? '' }),
    choice(`${label} period`, `${prefix}_period`, periods, budget?.period ?? 'monthly'),
    field(`${label} alerts at (fractions)`, `${prefix}_alert_at`, { value: (budget?.alert_at ?? []).join(', '), placeholder: '0.5, 0.8' }));
}

export function readBudget(elements, prefix) {
  const limit = number(elements[`${prefix}_limit_usd`].value);
  if (limit === null) return null;
  const alerts = items(elements[`${prefix}_alert_at`].value).map(Number);
  return { limit_usd: limit, period: elements[`${prefix}_period`].value, ...(alerts.length ? { alert_at: alerts } : {}) };
}

/** Inputs for a `rate_limits` object ({rpm, tpm, concurrency}); all empty is none. */
export function rateLimitFields(prefix, label, limits) {
  return el('fieldset', { class: 'fields' }, el('legend', {}, label),
    field(`${label}: requests per minute`, `${prefix}_rpm`, { type: 'number', step: 'any', value: limits?.rpm ?? '' }),
    field(`${label}: tokens per minute`, `${prefix}_tpm`, { type: 'number', step: 'any', value: limits?.tpm ?? '' }),
    field(`${label}: concurrent requests`, `${prefix}_concurrency`, { type: 'number', step: 'any', value: limits?.concurrency ?? '' }));
}

export function readRateLimits(elements, prefix) {
  const limits = Object.fromEntries(['rpm', 'tpm', 'concurrency']
    .map(name => [name, number(elements[`${prefix}_${name}`].value)]).filter(([, value]) => value !== null));
  return Object.keys(limits).length ? limits : null;
}
