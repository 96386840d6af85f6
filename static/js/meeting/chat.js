// Meeting chat: a list announced to screen readers, a form with a short client-side throttle.
import { clock, h } from '../common.js';

const MAX_MESSAGES = 500;
const THROTTLE_MS = 300;

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

  system(text) {
    this.list.append(h('li', { class: 'chat-system muted' }, text));
  }
}
