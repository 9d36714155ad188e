// Identity providers (org admins): the OpenID Connect issuers whose tokens sign users on, with their claims and the
// group → workspace rules. Claims maps and rules are JSON text areas; the page only checks that they are JSON.
import { call, query } from './api.js';
import { confirmButton, el, errorSlot, field, fill, table, when } from './dom.js';
import { editMode, findForm, listSection, one, onSubmit, pagingLinks, parseJson, pretty, textArea } from './controls.js';

const pageSize = 50;
const exampleRules = [{ group: 'engineering', workspace: 'eng' }];

export async function renderIdentityProviders(main, params) {
  const cursor = params.get('cursor');
  const slug = params.get('slug') ?? '';
  const editor = providerForm(() => reload());
  const { section, reload } = listSection('identity-provider-list',
    () => slug ? one(`/admin/v1/identity-providers/${encodeURIComponent(slug)}`) : call('GET', `/admin/v1/identity-providers${query({ cursor, limit: pageSize })}`),
    (body, page) => drawList(body, page, cursor, editor, reload));
  fill(main, el('h1', {}, 'Identity providers'), editor.form, findForm('identity-provider-find', '/identity-providers', 'slug', 'Find by slug', slug), section);
  await reload();
}

function providerForm(reload) {
  const error = errorSlot();
  const title = el('h2', {}, 'Register an identity provider');
  const submit = el('button', { type: 'submit' }, 'Register');
  const cancel = el('button', { type: 'button', hidden: true }, 'Cancel');
  const form = el('form', { id: 'identity-provider-form', class: 'card' }, title,
    el('div', { class: 'fields' },
      field('Slug', 'slug', { required: true }),
      field('Issuer', 'issuer', { placeholder: 'https://login.example.com/tenant/v2.0' }),
      field('Audience', 'audience'),
      field('User claim', 'user_claim', { placeholder: 'sub' }),
      field('Groups claim', 'groups_claim', { placeholder: 'groups' }),
      field('Default workspace', 'default_workspace')),
    textArea('Metadata claims (JSON: metadata key → claim)', 'metadata_claims', '', { rows: 3, placeholder: '{"department": "department"}' }),
    textArea('Rules (JSON: [{group, workspace, config?, metadata?}], first match wins)', 'rules', pretty(exampleRules)),
    error, submit, ' ', cancel);
  const mode = editMode(form, 'slug', { title, submit, cancel }, ['Register an identity provider', 'Register'], slug => [`Change ${slug}`, 'Save changes']);
  onSubmit(form, error, async values => {
    const body = {
      metadata_claims: parseJson(values.metadata_claims, 'metadata_claims'),
      rules: parseJson(values.rules, 'rules'),
    };
    for (const name of ['issuer', 'audience', 'user_claim', 'groups_claim']) body[name] = values[name].trim() || undefined;
    const defaultWorkspace = values.default_workspace.trim();
    if (mode.key) {
      // On a change an empty default workspace clears it.
      await call('PATCH', `/admin/v1/identity-providers/${encodeURIComponent(mode.key)}`, { ...body, default_workspace: defaultWorkspace || null });
    } else {
      await call('POST', '/admin/v1/identity-providers', { slug: values.slug.trim(), ...body, default_workspace: defaultWorkspace || undefined });
    }
    form.reset();
    mode.set(null);
    await reload();
  });
  const edit = provider => {
    mode.set(provider.slug);
    for (const name of ['slug', 'issuer', 'audience', 'user_claim', 'groups_claim']) form.elements[name].value = provider[name];
    form.elements.default_workspace.value = provider.default_workspace ?? '';
    form.elements.metadata_claims.value = Object.keys(provider.metadata_claims).length ? pretty(provider.metadata_claims) : '';
    form.elements.rules.value = pretty(provider.rules);
    form.scrollIntoView();
    form.elements.issuer.focus();
  };
  return { form, edit };
}

function drawList(body, page, cursor, editor, reload) {
  const rows = page.data.map(provider => el('tr', { dataset: { identityProvider: provider.slug } },
    el('td', {}, el('code', {}, provider.slug)),
    el('td', {}, provider.issuer, el('div', { class: 'note' }, `audience: ${provider.audience}`)),
    el('td', {}, `user: ${provider.user_claim}`, el('br'), `groups: ${provider.groups_claim}`,
      Object.entries(provider.metadata_claims).map(([key, claim]) => el('div', {}, `${key} ← ${claim}`))),
    el('td', {}, provider.rules.map(rule => el('div', {}, `${rule.group} → ${rule.workspace}${rule.config ? ` (config ${rule.config})` : ''}`))),
    el('td', {}, provider.default_workspace ?? '—'),
    el('td', {}, when(provider.updated_at)),
    el('td', { class: 'actions' },
      el('button', { type: 'button', onclick: () => editor.edit(provider) }, 'Edit'),
      confirmButton('Delete', async () => {
        await call('DELETE', `/admin/v1/identity-providers/${encodeURIComponent(provider.slug)}`);
        await reload();
      }))));
  fill(body,
    table(['Slug', 'Issuer', 'Claims', 'Rules', 'Default workspace', 'Updated', ''], rows, 'Identity providers'),
    rows.length ? null : el('p', {}, 'No identity providers.'),
    pagingLinks('/identity-providers', {}, cursor, page.next_cursor));
}
