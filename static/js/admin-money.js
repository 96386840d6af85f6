// Admin: credit transactions, Stripe top-ups, manual credit grants, and the USDC deposit side.
import { busy, call, clear, dataView, el, say, table, when } from './dashboard-ui.js';

export async function loadBilling(ctx) {
  const form = creditForm(ctx);
  const [transactions, stripe] = await Promise.allSettled([
    call('GET', '/admin/api/billing/transactions'),
    call('GET', '/admin/api/billing/stripe'),
  ]);
  clear(ctx.body,
    el('h3', {}, 'Grant credit'), form,
    el('h3', {}, 'Latest transactions'),
    transactions.status === 'fulfilled' ? table([
      { label: 'Date', value: (t) => when(t.created_at) },
      { label: 'User', value: (t) => t.user_email },
      { label: 'Company', value: (t) => t.company_name },
      { label: 'Type', value: (t) => t.type },
      { label: 'Description', value: (t) => t.description },
      { label: 'Amount (USD)', value: (t) => t.amount_usd },
    ], transactions.value.transactions || [], { empty: 'No transactions.' }) : el('p', { class: 'error' }, transactions.reason.message),
    el('h3', {}, 'Stripe top-ups'),
    stripe.status === 'fulfilled' ? dataView(stripe.value.topups || [], 'No top-ups.') : el('p', { class: 'error' }, stripe.reason.message));
}

function creditForm(ctx) {
  const form = el('form', { id: 'admin-credit-form' },
    el('label', { for: 'credit-email' }, 'User email'),
    el('input', { id: 'credit-email', name: 'email', type: 'email', maxlength: 255, required: true }),
    el('label', { for: 'credit-amount' }, 'Amount (USD)'),
    el('input', { id: 'credit-amount', name: 'amountUsd', type: 'number', min: '0.01', max: '100000', step: '0.01', required: true }),
    el('label', { for: 'credit-note' }, 'Note (optional)'),
    el('input', { id: 'credit-note', name: 'note', maxlength: 200 }),
    el('button', { type: 'submit' }, 'Grant credit'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { email: form.email.value.trim(), amountUsd: Number(form.amountUsd.value), note: form.note.value.trim() };
    try {
      const answer = await busy(form, () => call('POST', '/admin/api/billing/credit', body));
      await ctx.reload();
      say(ctx.status, answer.message, 'ok');
    } catch (error) {
      say(ctx.status, error.message, 'error');
    }
  });
  return form;
}

export async function loadCrypto(ctx) {
  const [config, deposits] = await Promise.allSettled([
    call('GET', '/admin/api/crypto/config'),
    call('GET', '/admin/api/crypto/deposits'),
  ]);
  if (config.status === 'rejected' && deposits.status === 'rejected') throw config.reason;
  clear(ctx.body,
    el('h3', {}, 'Configuration'),
    config.status === 'fulfilled' ? dataView(config.value) : el('p', { class: 'error' }, config.reason.message),
    el('h3', {}, 'Deposits'),
    deposits.status === 'fulfilled' ? dataView(deposits.value.deposits || [], 'No deposits.') : el('p', { class: 'error' }, deposits.reason.message));
}
