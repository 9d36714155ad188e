// A workspace's fields as one form, for creation and for a change: drawn from the API's workspace, read back as the
// API's request fields (budget, rate limits, the user defaults, logging policy, metadata and its governance).
import { choice, el, field } from './dom.js';
import { area, budgetFields, items, number, pairs, pairsText, rateLimitFields, readBudget, readRateLimits } from './forms.js';

const logModes = [['full', 'Full bodies'], ['metadata_only', 'Metadata only'], ['redacted', 'Redacted bodies']];

/** The inputs of a workspace (<workspace> null: a blank one), without the id. */
export function workspaceFields(workspace) {
  const logging = workspace?.logging;
  return [
    el('div', { class: 'fields' },
      field('Name', 'name', { value: workspace?.name ?? '' }),
      field('Default config', 'default_config', { value: workspace?.default_config ?? '' })),
    budgetFields('budget', 'Budget', workspace?.budget),
    rateLimitFields('rate_limits', 'Rate limits', workspace?.rate_limits),
    budgetFields('user_budget', 'User budget', workspace?.user_budget),
    rateLimitFields('user_rate_limits', 'User rate limits', workspace?.user_rate_limits),
    el('fieldset', { class: 'fields' }, el('legend', {}, 'Logging policy'),
      choice('Logging mode', 'logging_mode', logModes, logging?.mode ?? 'full'),
      field('Redact (pattern names or expressions)', 'logging_redact', { value: (logging?.redact ?? []).join(', '), placeholder: 'email, card_number, phone' }),
      field('Retention (days)', 'logging_retention_days', { type: 'number', step: 'any', value: logging?.retention_days ?? '' })),
    el('fieldset', { class: 'fields' }, el('legend', {}, 'Metadata'),
      area('Metadata (name=value per line)', 'metadata', { value: pairsText(workspace?.metadata) }),
      field('Required metadata', 'required_metadata', { value: (workspace?.required_metadata ?? []).join(', '), placeholder: 'user, cost_center' }),
      area('Metadata headers (header=key per line)', 'metadata_headers', { value: pairsText(workspace?.metadata_headers) })),
  ];
}

/**
 * The form's values as the API's request fields. Every field is present; empty ones are null (a PATCH of null clears
 * budget, rate limits and default config), so comparing with the form as drawn says what the admin changed.
 */
export function readWorkspace(elements) {
  const retention = number(elements.logging_retention_days.value);
  const redact = items(elements.logging_redact.value);
  return {
    name: elements.name.value.trim() || null,
    default_config: elements.default_config.value.trim() || null,
    budget: readBudget(elements, 'budget'),
    rate_limits: readRateLimits(elements, 'rate_limits'),
    user_budget: readBudget(elements, 'user_budget'),
    user_rate_limits: readRateLimits(elements, 'user_rate_limits'),
    logging: { mode: elements.logging_mode.value, ...(redact.length ? { redact } : {}), ...(retention === null ? {} : { retention_days: retention }) },
    metadata: pairs(elements.metadata.value, 'metadata'),
    required_metadata: items(elements.required_metadata.value),
    metadata_headers: pairs(elements.metadata_headers.value, 'metadata_headers'),
  };
}
