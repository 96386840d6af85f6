// DOM building blocks for the account pages (dashboard, register, reset, billing, docs, admin).
// Everything a user or the server typed reaches the DOM as text nodes, never as markup, so a
// label such as `<img src=x onerror=...>` is shown, not run.

import { api, h as el, HttpError as ApiError, say } from './common.js';

export { ApiError, el, say };

// api() of common.js with the method first, as these pages read best: call('DELETE', path).
export function call(method, path, body, headers = {}) {
  return api(path, { method, body, headers });
}

export function byId(id) {
  return document.getElementById(id);
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

export function sayError(node, error) {
  say(node, error instanceof Error ? error.message : String(error), 'error');
}

export function when(value) {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

// columns: [{label, value: row => string | Node}]; an empty list shows `empty` in one cell.
export function table(columns, rows, { caption, empty = 'Nothing yet.', rowAttrs = () => ({}) } = {}) {
  const head = el('tr', {}, columns.map((c) => el('th', { scope: 'col' }, c.label)));
  const body = rows.length
    ? rows.map((row) => el('tr', rowAttrs(row), columns.map((c) => el('td', { 'data-label': c.label }, valueOf(c.value(row))))))
    : [el('tr', {}, el('td', { colspan: columns.length, class: 'empty' }, empty))];
  return el('div', { class: 'table-wrap' },
    el('table', {}, caption ? el('caption', {}, caption) : null, el('thead', {}, head), el('tbody', {}, body)));
}

function valueOf(value) {
  if (value instanceof Node) return value;
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// Any JSON value as plain tables: objects as name/value rows, arrays of objects as a grid.
export function dataView(value, empty = 'No data.') {
  if (Array.isArray(value)) {
    if (!value.length) return el('p', { class: 'muted' }, empty);
    if (value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
      const keys = [...new Set(value.flatMap((v) => Object.keys(v)))];
      return table(keys.map((k) => ({ label: k, value: (row) => row[k] })), value);
    }
    return el('p', {}, value.map(String).join(', '));
  }
  if (value && typeof value === 'object') {
    const rows = Object.entries(value).map(([k, v]) => el('tr', {},
      el('th', { scope: 'row' }, k),
      el('td', {}, v && typeof v === 'object' ? dataView(v) : valueOf(v))));
    return el('div', { class: 'table-wrap' }, el('table', { class: 'pairs' }, el('tbody', {}, rows)));
  }
  return el('p', {}, valueOf(value));
}

// A secret shown once (API key, webhook secret): readonly field, copy button, a warning.
export function secretBox(label, secret, warning) {
  const id = `secret-${Math.random().toString(36).slice(2)}`;
  const field = el('input', { id, class: 'secret', type: 'text', readonly: true, value: secret, spellcheck: 'false' });
  const status = el('span', { class: 'copy-status', role: 'status', 'aria-live': 'polite' });
  const copy = el('button', { type: 'button', class: 'copy', onclick: () => copyText(field, status) }, 'Copy');
  return el('div', { class: 'secret-box' },
    el('label', { for: id }, label),
    el('div', { class: 'secret-row' }, field, copy, status),
    warning ? el('p', { class: 'warning' }, warning) : null);
}

export async function copyText(field, status) {
  try {
    await navigator.clipboard.writeText(field.value);
    say(status, 'Copied');
  } catch {
    // No clipboard permission (or an insecure origin): select it so Ctrl+C / long-press works.
    field.focus();
    field.select();
    say(status, 'Selected: press Ctrl+C to copy');
  }
}

export function button(text, onclick, attrs = {}) {
  return el('button', { type: 'button', ...attrs, onclick }, text);
}

// Disable a form while its request runs, so a double click sends it once.
export async function busy(form, work) {
  const controls = [...form.querySelectorAll('button, input, select, textarea')];
  const before = controls.map((c) => c.disabled);
  controls.forEach((c) => { c.disabled = true; });
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    controls.forEach((c, i) => { c.disabled = before[i]; });
    form.removeAttribute('aria-busy');
  }
}

// A route this server does not have (the router's own 404 / 405, not a domain "X not found"):
// its section says "not available" instead of breaking the page.
export function unavailable(error) {
  return error instanceof ApiError
    && ((error.status === 404 && error.code === 'not_found') || error.status === 405);
}
