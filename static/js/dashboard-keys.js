// API keys: list (masked), create (the full key shown once), revoke.
import { busy, button, byId, call, clear, say, sayError, secretBox, table, when } from './dashboard-ui.js';

export function setUpKeys() {
  const form = byId('key-form');
  const status = byId('keys-status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const created = await busy(form, () => call('POST', '/api/user/keys', { label: form.label.value }));
      form.reset();
      clear(byId('key-secret'), secretBox(`New key “${created.label}”`, created.key,
        'Copy it now: it is shown only this once. Slice keeps only a hash.'));
      say(status, 'Key created.', 'ok');
      // The meeting form may use it, for this page's lifetime only (never stored).
      document.dispatchEvent(new CustomEvent('slice:key-created', { detail: created.key }));
      await listKeys();
    } catch (error) {
      sayError(status, error);
    }
  });
  listKeys();
}

async function listKeys() {
  const list = byId('key-list');
  try {
    const { keys } = await call('GET', '/api/user/keys');
    clear(list, table([
      { label: 'Label', value: (k) => k.label },
      { label: 'Key', value: (k) => k.key },
      { label: 'Status', value: (k) => (k.is_active ? 'active' : 'revoked') },
      { label: 'Created', value: (k) => when(k.created_at) },
      { label: 'Last used', value: (k) => (k.last_used_at ? when(k.last_used_at) : 'never') },
      { label: 'Actions', value: (k) => (k.is_active ? button('Revoke', () => revoke(k), { class: 'danger', 'aria-label': `Revoke key ${k.label}` }) : '') },
    ], keys, { caption: 'Your API keys', empty: 'No keys yet.' }));
  } catch (error) {
    sayError(byId('keys-status'), error);
  }
}

async function revoke(key) {
  if (!window.confirm(`Revoke the key “${key.label}”? Programs using it stop working.`)) return;
  const status = byId('keys-status');
  try {
    const answer = await call('DELETE', `/api/user/keys/${encodeURIComponent(key.id)}`);
    say(status, answer.message, 'ok');
    await listKeys();
  } catch (error) {
    sayError(status, error);
  }
}
