// The model catalog: shipped and admin-added models with their prices (USD per million tokens), names and provider ids.
// Every admin reads it; org admins add models, override shipped ones (PATCH) and delete the ones they added.
import { call, isOrgAdmin, query } from './api.js';
import { confirmButton, count, el, errorSlot, field, fill } from './dom.js';
import { editMode, exactNumber, findForm, listSection, onSubmit, pagingLinks } from './controls.js';

const pageSize = 50;
const priceClasses = [['input', 'Input'], ['output', 'Output'], ['cache_write_5m', 'Cache write 5m'], ['cache_write_1h', 'Cache write 1h'], ['cache_read', 'Cache read']];

export async function renderModels(main, params) {
  const cursor = params.get('cursor');
  const name = params.get('name') ?? '';
  const { section, reload } = listSection('model-list', () => load(name, cursor), (body, page) => drawList(body, page, cursor, editor, reload));
  const editor = isOrgAdmin() ? modelForm(() => reload()) : null;
  fill(main, el('h1', {}, 'Model catalog'), editor?.form, findForm('model-find', '/models', 'name', 'Find by any name (id, alias, Bedrock or Vertex id)', name), section);
  await reload();
}

// One model by any of its names (the API's lookup), else a page of the catalog.
async function load(name, cursor) {
  if (!name) return call('GET', `/admin/v1/models${query({ cursor, limit: pageSize })}`);
  const model = await call('GET', modelPath(name));
  return { data: [model], next_cursor: null, price_version: model.price_version };
}

function modelForm(reload) {
  const error = errorSlot();
  const title = el('h2', {}, 'Add a model');
  const submit = el('button', { type: 'submit' }, 'Add model');
  const cancel = el('button', { type: 'button', hidden: true }, 'Cancel');
  const form = el('form', { id: 'model-form', class: 'card' }, title,
    el('p', { class: 'note' }, 'Prices in USD per million tokens. Overriding a shipped model changes only the fields you change.'),
    el('div', { class: 'fields' },
      field('Model id', 'id', { required: true }),
      field('Display name', 'display_name'),
      field('Alias', 'alias'),
      field('Bedrock id', 'bedrock_id'),
      field('Vertex id', 'vertex_id'),
      field('Context window', 'context_window', { inputmode: 'numeric' }),
      field('Max output tokens', 'max_output_tokens', { inputmode: 'numeric' })),
    el('fieldset', {}, el('legend', {}, 'Prices (USD / MTok)'),
      priceClasses.map(([name, label]) => field(label, `price_${name}`, { inputmode: 'decimal' }))),
    error, submit, ' ', cancel);
  const mode = editMode(form, 'id', { title, submit, cancel }, ['Add a model', 'Add model'], id => [`Change ${id}`, 'Save changes']);
  let loaded = {};
  onSubmit(form, error, async values => {
    // A change sends only what the admin changed: a shipped model's other fields stay shipped, not overridden.
    const changed = name => !mode.key || values[name] !== (loaded[name] ?? '');
    const body = definition(values, changed);
    if (mode.key) await call('PATCH', modelPath(mode.key), body);
    else await call('POST', '/admin/v1/models', body);
    form.reset();
    mode.set(null);
    await reload();
  });
  const edit = model => {
    form.reset();
    mode.set(model.id);
    for (const name of ['id', 'display_name', 'bedrock_id', 'vertex_id', 'context_window', 'max_output_tokens']) {
      form.elements[name].value = model[name] ?? '';
    }
    for (const [name] of priceClasses) form.elements[`price_${name}`].value = model.prices?.[name] ?? '';
    loaded = Object.fromEntries(new FormData(form));
    form.scrollIntoView();
    form.elements.display_name.focus();
  };
  return { form, edit };
}

// The fields filled in and changed; the prices together when any of them changed (the API takes them as one).
function definition(values, changed) {
  const body = {};
  for (const name of ['id', 'display_name', 'alias', 'bedrock_id', 'vertex_id']) {
    if (values[name].trim() && changed(name)) body[name] = values[name].trim();
  }
  for (const name of ['context_window', 'max_output_tokens']) {
    if (changed(name)) body[name] = exactNumber(values[name]);
  }
  if (priceClasses.some(([name]) => changed(`price_${name}`))) {
    const prices = Object.fromEntries(priceClasses.map(([name]) => [name, exactNumber(values[`price_${name}`])]));
    if (Object.values(prices).some(v => v !== undefined)) body.prices = prices;
  }
  return body;
}

function drawList(body, page, cursor, editor, reload) {
  const rows = page.data.map(model => el('tr', { dataset: { model: model.id } },
    el('td', {}, el('code', {}, model.id), model.aliases.length ? el('div', { class: 'note' }, `aliases: ${model.aliases.join(', ')}`) : null),
    el('td', {}, model.display_name),
    el('td', {}, model.source, model.overridden.length ? el('div', { class: 'note' }, `overridden: ${model.overridden.join(', ')}`) : null),
    el('td', {}, model.bedrock_id ? el('code', {}, model.bedrock_id) : '—'),
    el('td', {}, model.vertex_id ? el('code', {}, model.vertex_id) : '—'),
    el('td', { class: 'num' }, count(model.context_window), el('br'), el('small', {}, count(model.max_output_tokens))),
    priceClasses.map(([name]) => el('td', { class: 'num' }, model.prices ? String(model.prices[name]) : '—')),
    editor ? el('td', { class: 'actions' },
      el('button', { type: 'button', onclick: () => editor.edit(model) }, model.source === 'shipped' ? 'Override' : 'Edit'),
      confirmButton('Delete', async () => {
        await call('DELETE', modelPath(model.id));
        await reload();
      })) : null));
  fill(body,
    el('p', { class: 'note' }, page.price_version ? `Price version ${page.price_version}.` : null),
    el('table', { 'aria-label': 'Models' },
      el('thead', {}, el('tr', {},
        ['Model', 'Display name', 'Source', 'Bedrock id', 'Vertex id', 'Context / max output', ...priceClasses.map(([, label]) => `${label} $/MTok`), editor ? '' : null]
          .filter(h => h !== null).map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)),
    rows.length ? null : el('p', {}, 'No models.'),
    pagingLinks('/models', {}, cursor, page.next_cursor));
}

// Model ids may hold '/', which the API's catch-all route takes as it is.
function modelPath(id) {
  return `/admin/v1/models/${id.split('/').map(encodeURIComponent).join('/')}`;
}
