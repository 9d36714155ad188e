// Routing configs: the list (a workspace admin's or analyst's own and the org-wide ones, as the API answers), creation
// and replacement with the config JSON in a text area, and deletion. The page only checks that the text is JSON;
// whether it is a valid routing config (strategy, targets, providers that exist) is the API's answer, shown in place.
import { call, currentSession, isOrgAdmin, query } from './api.js';
import { confirmButton, el, errorSlot, field, fill, table, when } from './dom.js';
import { editMode, findForm, listSection, one, onSubmit, pagingLinks, parseJson, pretty, textArea } from './controls.js';

const pageSize = 50;
const example = { strategy: { mode: 'fallback' }, targets: [{ provider: '@anthropic-prod' }, { provider: '@bedrock-prod' }] };

// Whether the signed-in admin may change a config of this workspace (null: org-wide), as the API decides.
function mayChange(workspace) {
  const session = currentSession();
  if (isOrgAdmin()) return true;
  return session?.role === 'workspace_admin' && workspace !== null && session.workspaces.includes(workspace);
}

export async function renderConfigs(main, params) {
  const cursor = params.get('cursor');
  const slug = params.get('slug') ?? '';
  const editor = isOrgAdmin() || currentSession()?.role === 'workspace_admin' ? configForm(() => reload()) : null;
  const { section, reload } = listSection('config-list',
    () => slug ? one(`/admin/v1/configs/${encodeURIComponent(slug)}`) : call('GET', `/admin/v1/configs${query({ cursor, limit: pageSize })}`),
    (body, page) => drawList(body, page, cursor, editor, reload));
  fill(main, el('h1', {}, 'Routing configs'), editor?.form, findForm('config-find', '/configs', 'slug', 'Find by slug', slug), section);
  await reload();
}

function configForm(reload) {
  const error = errorSlot();
  const title = el('h2', {}, 'Create a routing config');
  const submit = el('button', { type: 'submit' }, 'Create config');
  const cancel = el('button', { type: 'button', hidden: true }, 'Cancel');
  const form = el('form', { id: 'config-form', class: 'card' }, title,
    el('div', { class: 'fields' },
      field('Slug', 'slug', { required: true }),
      field('Workspace', 'workspace', { placeholder: isOrgAdmin() ? 'org-wide when empty' : '' })),
    textArea('Config (JSON)', 'config', pretty(example), { rows: 12 }),
    textArea('Metadata (JSON object)', 'metadata', '', { rows: 3, placeholder: '{"team": "search"}' }),
    error, submit, ' ', cancel);
  const mode = editMode(form, 'slug', { title, submit, cancel }, ['Create a routing config', 'Create config'], slug => [`Replace ${slug}`, 'Replace config']);
  onSubmit(form, error, async values => {
    const body = {
      config: parseJson(values.config, 'config'),
      workspace: values.workspace.trim() || undefined,
      metadata: parseJson(values.metadata, 'metadata'),
    };
    if (mode.key) await call('PUT', `/admin/v1/configs/${encodeURIComponent(mode.key)}`, body);
    else await call('POST', '/admin/v1/configs', { slug: values.slug.trim(), ...body });
    form.reset();
    mode.set(null);
    await reload();
  });
  const edit = config => {
    mode.set(config.slug);
    form.elements.slug.value = config.slug;
    form.elements.workspace.value = config.workspace ?? '';
    form.elements.config.value = pretty(config.config);
    form.elements.metadata.value = Object.keys(config.metadata).length ? pretty(config.metadata) : '';
    form.scrollIntoView();
    form.elements.config.focus();
  };
  return { form, edit };
}

function drawList(body, page, cursor, editor, reload) {
  const rows = page.data.map(config => el('tr', { dataset: { config: config.slug } },
    el('td', {}, el('code', {}, config.slug)),
    el('td', {}, config.workspace ?? 'org-wide'),
    el('td', {}, el('pre', { class: 'json' }, pretty(config.config))),
    el('td', {}, Object.entries(config.metadata).map(([k, v]) => el('div', {}, `${k}: ${v}`))),
    el('td', {}, when(config.updated_at)),
    el('td', { class: 'actions' }, editor && mayChange(config.workspace) ? [
      el('button', { type: 'button', onclick: () => editor.edit(config) }, 'Edit'),
      confirmButton('Delete', async () => {
        await call('DELETE', `/admin/v1/configs/${encodeURIComponent(config.slug)}`);
        await reload();
      }),
    ] : null)));
  fill(body,
    table(['Slug', 'Workspace', 'Config', 'Metadata', 'Updated', ''], rows, 'Routing configs'),
    rows.length ? null : el('p', {}, 'No routing configs.'),
    pagingLinks('/configs', {}, cursor, page.next_cursor));
}
