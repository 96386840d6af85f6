// Shared helpers for every page of the web client. User- and server-provided strings reach the
// DOM only as text nodes (textContent / createTextNode), never as markup.

export class HttpError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// api('/api/meetings', {method: 'POST', body: {...}, headers: {...}}) → parsed JSON, or throws an
// HttpError carrying the server's `error` message, its `code` and the HTTP status.
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new HttpError(0, 'The server cannot be reached. Check your connection and try again.', 'network');
  }
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('application/json') ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const message = data && typeof data.error === 'string' ? data.error : `Request failed (${response.status})`;
    throw new HttpError(response.status, message, data && data.code);
  }
  return data;
}

// h('button', {class: 'x', 'data-testid': 'y', onclick: fn}, 'text', child): strings become text.
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'text') node.textContent = String(value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

// Show a message in a status node (role=status / aria-live in the HTML).
export function say(node, message, kind = 'info') {
  if (!node) return;
  node.textContent = message || '';
  node.dataset.kind = kind;
}

// 65 → "1:05", 3725 → "1:02:05".
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n) => String(n).padStart(2, '0');
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return hours ? `${hours}:${two(minutes)}:${two(s % 60)}` : `${minutes}:${two(s % 60)}`;
}

export function clock(value) {
  const date = value ? new Date(value) : new Date();
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

// The meeting id out of "abc123", "/join/abc123" or "https://host/join/abc123?name=x".
export function meetingIdFrom(text) {
  const value = String(text || '').trim();
  const match = value.match(/\/join\/([^/?#\s]+)/);
  const id = match ? match[1] : value;
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : '';
}
