// Pieces the catalog, configs, tokens, users, identity-provider and audit screens share: forms that send what the
// admin typed and show the API's answer in place, two-click actions, JSON text areas and server-side paging links.
import { call, query } from './api.js';
import { el, errorSlot, field, showError } from './dom.js';

/** Runs `action(values)` on submit; the API's error shows in `slot` (cleared on success). */
export function onSubmit(form, slot, action) {
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const submit = form.querySelector('button[type=submit]');
    if (submit) submit.disabled = true;
    try {
      await action(Object.fromEntries(new FormData(form)));
      showError(slot, null);
    } catch (failure) {
      showError(slot, failure);
    } finally {
      if (submit) submit.disabled = false;
    }
  });
  return form;
}

/**
 * Switches a form between adding an item and changing the one `key` names: its title, its submit button's label, its
 * key field (read-only while changing) and a Cancel button that goes back to adding. `mode.key` is the item changed.
 */
export function editMode(form, keyField, { title, submit, cancel }, adding, changing) {
  const mode = {
    key: null,
    set(key) {
      mode.key = key;
      [title.textContent, submit.textContent] = key ? changing(key) : adding;
      form.elements[keyField].readOnly = Boolean(key);
      cancel.hidden = !key;
    },
  };
  cancel.addEventListener('click', () => { form.reset(); mode.set(null); });
  return mode;
}

/** A labelled text area (for JSON); extra attributes go to the text area. */
export function textArea(label, name, value = '', attributes = {}) {
  return el('label', { class: 'wide' }, el('span', {}, label),
    el('textarea', { name, id: `f-${name}`, rows: 8, spellcheck: 'false', ...attributes }, value));
}

/** Pretty-printed JSON for a text area; empty for nothing. */
export function pretty(value) {
  return value === undefined || value === null ? '' : JSON.stringify(value, null, 2);
}

/** Parses a JSON field only to say it is not JSON; everything else about it is the API's to judge. Empty: undefined. */
export function parseJson(text, name) {
  if (!text || !text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${name}: not JSON.`);
  }
}

/**
 * A number as the admin typed it, sent with its exact decimal digits (money is decimal): a JSON number when it is one,
 * else the text itself, for the API to refuse with its own message. Empty: undefined.
 */
export function exactNumber(text) {
  const trimmed = (text ?? '').trim();
  if (!trimmed) return undefined;
  return /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(trimmed) && typeof JSON.rawJSON === 'function' ? JSON.rawJSON(trimmed) : trimmed;
}

/** "First page" and "Next page" links for a list paged on the server by `next_cursor`. */
export function pagingLinks(path, filters, cursor, nextCursor) {
  return el('p', { class: 'paging' },
    cursor ? el('a', { class: 'button', href: `#${path}${query(filters)}` }, 'First page') : null,
    nextCursor ? el('a', { class: 'button', href: `#${path}${query({ ...filters, cursor: nextCursor })}` }, 'Next page') : null);
}

/** One item read as a list page of it (a screen's lookup by name draws like its list). */
export async function one(path) {
  return { data: [await call('GET', path)], next_cursor: null };
}

/** A form that puts one name in the address (`#path?param=…`), for a screen that looks one item up by it. */
export function findForm(id, path, param, label, value) {
  const form = el('form', { id, class: 'filters' }, field(label, param, { value }), el('button', { type: 'submit' }, 'Find'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    location.hash = `#${path}${query({ [param]: form.elements[param].value.trim() })}`;
  });
  return form;
}

/** A list section: its error slot, then whatever `draw` puts in the body; `load` re-reads and redraws. */
export function listSection(id, load, draw) {
  const slot = errorSlot();
  const body = el('div', { id });
  const section = el('section', {}, slot, body);
  const reload = async () => {
    try {
      draw(body, await load());
      showError(slot, null);
    } catch (failure) {
      showError(slot, failure);
    }
  };
  return { section, reload };
}
