// Webhooks: list, create (the signing secret shown once), delete, deliveries with retry.
import {
  busy, button, byId, call, clear, el, say, sayError, secretBox, table, unavailable, when,
} from './dashboard-ui.js';

export function setUpWebhooks() {
  const form = byId('webhook-form');
  const status = byId('webhooks-status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const events = [...form.querySelectorAll('input[name="events"]:checked')].map((box) => box.value);
    if (!events.length) {
      say(status, 'Pick at least one event.', 'error');
      return;
    }
    try {
      const hook = await busy(form, () => call('POST', '/api/webhooks', { url: form.url.value.trim(), events }));
      form.url.value = '';
      clear(byId('webhook-secret'), secretBox(`Signing secret for ${hook.url}`, hook.secret,
        'Copy it now: it is shown only this once. Use it to verify the signature of each delivery.'));
      say(status, 'Webhook added.', 'ok');
      await listHooks();
    } catch (error) {
      sayError(status, error);
    }
  });
  listHooks();
}

async function listHooks() {
  const status = byId('webhooks-status');
  try {
    const { webhooks } = await call('GET', '/api/webhooks');
    clear(byId('webhook-list'), table([
      { label: 'URL', value: (h) => h.url },
      { label: 'Events', value: (h) => (h.events || []).join(', ') },
      { label: 'Active', value: (h) => (h.is_active ? 'yes' : 'no') },
      { label: 'Created', value: (h) => when(h.created_at) },
      {
        label: 'Actions',
        value: (h) => el('div', { class: 'actions' },
          button('Deliveries', () => showDeliveries(h), { 'aria-label': `Deliveries of ${h.url}` }),
          button('Delete', () => remove(h), { class: 'danger', 'aria-label': `Delete webhook ${h.url}` })),
      },
    ], webhooks, { caption: 'Your webhooks', empty: 'No webhooks yet.' }));
  } catch (error) {
    if (unavailable(error)) {
      byId('webhook-form').hidden = true;
      say(status, 'Webhooks are not available on this server.');
      return;
    }
    sayError(status, error);
  }
}

async function remove(hook) {
  if (!window.confirm(`Delete the webhook for ${hook.url}? Pending deliveries are dropped.`)) return;
  const status = byId('webhooks-status');
  try {
    const answer = await call('DELETE', `/api/webhooks/${encodeURIComponent(hook.id)}`);
    say(status, answer.message, 'ok');
    clearTimeout(refreshTimer);
    byId('webhook-deliveries').dataset.hook = '';
    clear(byId('webhook-deliveries'));
    await listHooks();
  } catch (error) {
    sayError(status, error);
  }
}

// While a shown endpoint has deliveries waiting for a retry, its list refreshes itself.
const REFRESH_MS = 10000;
let refreshTimer = null;

async function showDeliveries(hook) {
  clearTimeout(refreshTimer);
  const box = byId('webhook-deliveries');
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  try {
    const { deliveries } = await call('GET', `/api/webhooks/${encodeURIComponent(hook.id)}/deliveries`);
    if (deliveries.some((d) => d.status === 'pending')) {
      refreshTimer = setTimeout(() => { if (box.isConnected && box.dataset.hook === String(hook.id)) showDeliveries(hook); }, REFRESH_MS);
    }
    box.dataset.hook = String(hook.id);
    clear(box, el('h3', {}, `Deliveries to ${hook.url}`),
      button('Refresh', () => showDeliveries(hook), { 'data-testid': 'deliveries-refresh' }), status, table([
      { label: 'Event', value: (d) => d.event },
      { label: 'Meeting', value: (d) => d.meetingId },
      { label: 'Status', value: (d) => d.status },
      { label: 'Attempts', value: (d) => d.attempts },
      { label: 'Last HTTP status', value: (d) => d.lastStatusCode },
      { label: 'Created', value: (d) => when(d.createdAt) },
      { label: 'Delivered', value: (d) => when(d.deliveredAt) },
      { label: 'Next attempt', value: (d) => when(d.nextAttemptAt) },
      { label: 'Actions', value: (d) => (d.status === 'delivered' ? '' : button('Retry now', () => retry(hook, d, status))) },
    ], deliveries, { caption: 'Newest first', empty: 'No deliveries yet.' }));
  } catch (error) {
    clear(box, status);
    sayError(status, unavailable(error) ? new Error('Delivery history is not available on this server.') : error);
  }
}

async function retry(hook, delivery, status) {
  try {
    await call('POST', `/api/webhooks/${encodeURIComponent(hook.id)}/deliveries/${encodeURIComponent(delivery.id)}/retry`);
    await showDeliveries(hook);
    say(byId('webhooks-status'), 'Delivery queued again.', 'ok');
  } catch (error) {
    sayError(status, error);
  }
}
