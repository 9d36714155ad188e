// The parts of a resource's screens: a page of an admin API list (cursor in the address, First and Next links,
// reloadable after a change) and one resource's view; the API's error, such as another workspace's 404, shown in place.
import { call, query } from './api.js';
import { el, errorSlot, fill, showError, table } from './dom.js';

const pageSize = 25;

/**
 * A paged list of `path` for the screen at `href`: `row(item, reload)` draws each item. Returns the nodes to place and
 * `reload`, which (re)loads the page the address names.
 */
export function pagedList({ id, path, href, params, headers, label, empty, row }) {
  const error = errorSlot();
  const list = el('div', { id });
  async function reload() {
    try {
      const page = await call('GET', `${path}${query({ cursor: params.get('cursor'), limit: pageSize })}`);
      const rows = page.data.map(item => row(item, reload));
      fill(list,
        table(headers, rows, label),
        rows.length ? null : el('p', {}, empty),
        el('p', { class: 'paging' },
          params.get('cursor') ? el('a', { class: 'button', href }, 'First page') : null,
          page.next_cursor ? el('a', { class: 'button', href: `${href}${query({ cursor: page.next_cursor })}` }, 'Next page') : null));
      showError(error, null);
    } catch (failure) {
      showError(error, failure);
    }
  }
  return { nodes: [error, list], reload };
}

/** One resource's screen: the way back to its list, its heading, and `draw(body, resource)` of the API's answer. */
export async function resourceScreen(main, { back, backText, title, name, id, path, draw }) {
  const error = errorSlot();
  const body = el('div', { id });
  fill(main, el('p', {}, el('a', { href: back }, backText)), el('h1', {}, `${title} `, el('code', {}, name)), error, body);
  try {
    draw(body, await call('GET', path));
  } catch (failure) {
    showError(error, failure);
  }
}
