// Building the page from data: every value goes in as text (textContent, attribute values), never as markup,
// because prompts, names and metadata come from users.

/** An element with attributes (on* handlers as functions) and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of a node. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A labelled input; extra attributes go to the input. */
export function field(label, name, attributes = {}) {
  return el('label', {}, el('span', {}, label), el('input', { name, id: `f-${name}`, ...attributes }));
}

/** A labelled select of [value, text] options. */
export function choice(label, name, options, selected) {
  return el('label', {}, el('span', {}, label),
    el('select', { name, id: `f-${name}` }, options.map(([value, text]) => el('option', { value, selected: value === selected }, text))));
}

/** The place a form shows the API's error. */
export function errorSlot() {
  return el('p', { class: 'error', role: 'alert', hidden: true });
}

export function showError(slot, error) {
  slot.textContent = error ? error.message : '';
  slot.hidden = !error;
}

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 });

export function usd(amount) {
  return amount === null || amount === undefined ? '—' : money.format(Number(amount));
}

export function when(iso) {
  return iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
}

export function count(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
}

/** A table with a header row and one row per item (cells: values or nodes). */
export function table(headers, rows, label) {
  return el('table', { 'aria-label': label },
    el('thead', {}, el('tr', {}, headers.map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows));
}

/** Two clicks: the first asks, the second acts (then <done>); the API's error shows beside the button. */
export function confirmButton(label, action, done = async () => {}) {
  const error = el('span', { class: 'error', role: 'alert', hidden: true });
  const button = el('button', { type: 'button' }, label);
  button.addEventListener('click', async () => {
    if (button.dataset.armed !== 'yes') {
      button.dataset.armed = 'yes';
      button.textContent = `Confirm ${label.toLowerCase()}`;
      return;
    }
    button.disabled = true;
    try {
      await action();
      await done();
    } catch (failure) {
      showError(error, failure);
      button.disabled = false;
    }
  });
  return el('span', {}, button, error);
}
