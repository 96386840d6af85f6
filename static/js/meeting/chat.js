// Meeting chat: a list announced to screen readers, a form with a short client-side throttle.
import { clock, h } from '../common.js';

const MAX_MESSAGES = 500;
const THROTTLE_MS = 300;

function fileSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

// Share a file in the chat: POST it as multipart (the host's x-admin-token authorises); the room,
// this page included, then gets `chat:file`. Resolves to null, or to the server's error message.
export async function shareFile(meetingId, file, sender, adminToken) {
  const form = new FormData();
  form.append('participantName', sender);
  form.append('file', file, file.name);
  try {
    const response = await fetch(`/api/meetings/${encodeURIComponent(meetingId)}/files`, {
      method: 'POST', body: form, credentials: 'same-origin', headers: adminToken ? { 'x-admin-token': adminToken } : {},
    });
    if (response.ok) return null;
    const data = await response.json().catch(() => null);
    return data && typeof data.error === 'string' ? data.error : `Upload failed (${response.status})`;
  } catch {
    return 'The server cannot be reached. Check your connection and try again.';
  }
}

export class Chat {
  constructor({ list, form, input, onSend }) {
    this.list = list;
    this.input = input;
    this.lastSent = 0;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text || Date.now() - this.lastSent < THROTTLE_MS) return;
      this.lastSent = Date.now();
      onSend(text);
      input.value = '';
    });
  }

  add({ name, text, timestamp, from }, mine) {
    const item = h('li', { class: mine ? 'chat-message mine' : 'chat-message', 'data-testid': 'chat-message', 'data-from': from || '' },
      h('div', { class: 'chat-meta' }, h('strong', {}, mine ? `${name} (you)` : name), ' ', h('time', { class: 'muted' }, clock(timestamp))),
      h('p', { class: 'chat-text' }, text));
    this.list.append(item);
    while (this.list.children.length > MAX_MESSAGES) this.list.firstElementChild.remove();
    this.list.scrollTop = this.list.scrollHeight;
  }

  // A file shared through REST (`chat:file`): who, when, and a link to download it.
  file({ name, size, sender, timestamp, downloadUrl }) {
    const safe = typeof downloadUrl === 'string' && downloadUrl.startsWith('/api/meetings/files/');
    const label = `${name} (${fileSize(size)})`;
    const item = h('li', { class: 'chat-message chat-file', 'data-testid': 'chat-file' },
      h('div', { class: 'chat-meta' }, h('strong', {}, sender), ' ', h('time', { class: 'muted' }, clock(timestamp))),
      h('p', { class: 'chat-text' }, 'Shared a file: ',
        safe ? h('a', { href: downloadUrl, download: name, 'data-testid': 'chat-file-link' }, label) : label));
    this.list.append(item);
    while (this.list.children.length > MAX_MESSAGES) this.list.firstElementChild.remove();
    this.list.scrollTop = this.list.scrollHeight;
  }

  system(text) {
    this.list.append(h('li', { class: 'chat-system muted' }, text));
  }
}
