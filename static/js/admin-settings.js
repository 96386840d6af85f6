// Admin: the site settings (a map of strings) as a form; only changed values are sent, and the
// server's 400 message is shown as it is.
import { busy, call, clear, el, say } from './dashboard-ui.js';

export async function loadSettings(ctx) {
  const current = await call('GET', '/admin/api/settings');
  const entries = Object.entries(current).sort(([a], [b]) => a.localeCompare(b));
  const form = el('form', { id: 'admin-settings-form' }, entries.flatMap(([key, value]) => field(key, String(value))),
    el('button', { type: 'submit' }, 'Save settings'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changed = {};
    for (const [key, value] of entries) {
      const now = form.elements[key].value;
      if (now !== String(value)) changed[key] = now;
    }
    if (!Object.keys(changed).length) {
      say(ctx.status, 'Nothing changed.');
      return;
    }
    try {
      const answer = await busy(form, () => call('PATCH', '/admin/api/settings', changed));
      await ctx.reload();
      say(ctx.status, answer.message || 'Settings updated', 'ok');
    } catch (error) {
      say(ctx.status, error.message, 'error');
    }
  });
  clear(ctx.body, entries.length ? form : el('p', { class: 'muted' }, 'No settings.'));
}

function field(key, value) {
  const id = `setting-${key}`;
  const input = value === 'true' || value === 'false'
    ? el('select', { id, name: key }, ['true', 'false'].map((v) => el('option', { value: v, selected: v === value }, v)))
    : el('input', { id, name: key, value, maxlength: 200 });
  return [el('label', { for: id }, key), input];
}
