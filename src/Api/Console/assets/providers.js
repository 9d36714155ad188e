// Providers (org admins): connections to Anthropic, Bedrock or Vertex. Credentials go in through password inputs, are
// sent once and cleared from the form whatever the answer; the API never returns them, so the page never holds them.
import { call } from './api.js';
import { choice, confirmButton, el, errorSlot, field, fill, when } from './dom.js';
import { area, changed, items, onSubmit, pairs, pairsText } from './forms.js';
import { pagedList, resourceScreen } from './lists.js';

// The credential fields of each kind, as the API takes them (Bedrock: an access key pair, or a Bedrock API key).
const credentialFields = {
  anthropic: [['api_key', 'API key']],
  bedrock: [['access_key_id', 'Access key id'], ['secret_access_key', 'Secret access key'], ['session_token', 'Session token'], ['api_key', 'Bedrock API key']],
  vertex: [['service_account_json', 'Service account key (JSON)']],
};

export async function renderProviders(main, params) {
  const list = pagedList({
    id: 'provider-list', path: '/admin/v1/providers', href: '#/providers', params, label: 'Providers', empty: 'No providers.',
    headers: ['Provider', 'Kind', 'Base URL', 'Workspaces', 'Models', 'Credentials', 'Updated', ''], row,
  });
  fill(main, el('h1', {}, 'Providers'), createForm(), list.nodes);
  await list.reload();
}

function createForm() {
  const error = errorSlot();
  const kinds = Object.keys(credentialFields).map(kind => [kind, kind]);
  const form = el('form', { id: 'create-provider', class: 'card', autocomplete: 'off' },
    el('h2', {}, 'Create a provider'),
    el('div', { class: 'fields' }, field('Slug', 'slug', { required: true, placeholder: 'anthropic-prod' }), choice('Kind', 'kind', kinds, 'anthropic')),
    providerFields(null),
    error,
    el('button', { type: 'submit' }, 'Create provider'));
  const showKind = () => form.querySelectorAll('fieldset[data-kind]').forEach(set => { set.hidden = set.dataset.kind !== form.elements.kind.value; });
  form.elements.kind.addEventListener('change', showKind);
  showKind();
  const blank = readProvider(form.elements, form.elements.kind.value);
  onSubmit(form, error, async elements => {
    const kind = elements.kind.value;
    const body = { slug: elements.slug.value.trim(), kind, ...changed(blank, readProvider(elements, kind)) };
    clearCredentials(form);
    const created = await call('POST', '/admin/v1/providers', body);
    location.hash = `#/providers/${encodeURIComponent(created.slug)}`;
  });
  return form;
}

/** The inputs of a provider (<provider> null: a blank one); credentials always start empty. */
function providerFields(provider) {
  return [
    el('div', { class: 'fields' },
      field('Base URL', 'base_url', { value: provider?.base_url ?? '', placeholder: 'the provider’s public endpoint' }),
      field('Region (Bedrock)', 'region', { value: provider?.region ?? '' }),
      field('Project (Vertex)', 'project', { value: provider?.project ?? '' }),
      field('Token URL (Vertex)', 'token_url', { value: provider?.token_url ?? '' })),
    el('div', { class: 'fields' },
      field('Workspaces (empty: every workspace)', 'workspaces', { value: (provider?.workspaces ?? []).join(', ') }),
      field('Models (empty: the catalog’s)', 'models', { value: (provider?.models ?? []).join(', ') }),
      area('Provider model ids (model=provider id per line)', 'model_ids', { value: pairsText(provider?.model_ids) })),
    Object.entries(credentialFields).map(([kind, fields]) => el('fieldset', { class: 'fields', dataset: { kind } },
      el('legend', {}, provider ? 'New credentials (empty: keep the current ones)' : 'Credentials'),
      fields.map(([name, label]) => field(label, `credential_${kind}_${name}`, { type: 'password', autocomplete: 'new-password' })))),
  ];
}

function readProvider(elements, kind) {
  const list = text => (items(text).length ? items(text) : null);
  const credentials = Object.fromEntries(credentialFields[kind]
    .map(([name]) => [name, elements[`credential_${kind}_${name}`].value]).filter(([, value]) => value !== ''));
  return {
    base_url: elements.base_url.value.trim() || null,
    region: elements.region.value.trim() || null,
    project: elements.project.value.trim() || null,
    token_url: elements.token_url.value.trim() || null,
    workspaces: list(elements.workspaces.value),
    models: list(elements.models.value),
    model_ids: Object.keys(pairs(elements.model_ids.value, 'model_ids')).length ? pairs(elements.model_ids.value, 'model_ids') : null,
    credentials: Object.keys(credentials).length ? credentials : null,
  };
}

function clearCredentials(form) {
  form.querySelectorAll('input[type=password]').forEach(input => { input.value = ''; });
}

function row(p, reload) {
  return el('tr', { dataset: { provider: p.slug } },
    el('td', {}, el('a', { href: `#/providers/${encodeURIComponent(p.slug)}` }, p.slug)),
    el('td', {}, p.kind),
    el('td', {}, el('code', {}, p.base_url)),
    el('td', {}, p.workspaces ? p.workspaces.join(', ') : 'every workspace'),
    el('td', {}, p.models ? p.models.join(', ') : 'the catalog’s'),
    el('td', {}, p.credential_fields.join(', ')),
    el('td', {}, when(p.updated_at)),
    el('td', { class: 'actions' }, confirmButton('Delete', () => call('DELETE', `/admin/v1/providers/${encodeURIComponent(p.slug)}`), reload)));
}

/** One provider's form: what changed is sent; credentials entered replace the current ones. */
export function renderProvider(main, slug) {
  return resourceScreen(main, {
    back: '#/providers', backText: '← Providers', title: 'Provider', name: slug, id: 'provider',
    path: `/admin/v1/providers/${encodeURIComponent(slug)}`, draw: drawProvider,
  });
}

function drawProvider(body, provider) {
  const error = errorSlot();
  const form = el('form', { id: 'edit-provider', class: 'card', autocomplete: 'off' },
    el('p', {}, `Kind: ${provider.kind} · credentials: ${provider.credential_fields.join(', ')} · updated ${when(provider.updated_at)}`),
    providerFields(provider),
    error,
    el('p', {}, el('button', { type: 'submit' }, 'Save changes'), ' ', el('span', { class: 'note', role: 'status' })));
  form.querySelectorAll('fieldset[data-kind]').forEach(set => { set.hidden = set.dataset.kind !== provider.kind; });
  const drawn = readProvider(form.elements, provider.kind);
  onSubmit(form, error, async elements => {
    const change = changed(drawn, readProvider(elements, provider.kind));
    clearCredentials(form);
    drawProvider(body, await call('PATCH', `/admin/v1/providers/${encodeURIComponent(provider.slug)}`, change));
    body.querySelector('[role=status]').textContent = Object.keys(change).length ? 'Saved.' : 'Nothing changed.';
  });
  fill(body, form, el('p', {}, confirmButton('Delete', () => call('DELETE', `/admin/v1/providers/${encodeURIComponent(provider.slug)}`),
    () => { location.hash = '#/providers'; })));
}
