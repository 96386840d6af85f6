// /billing: balance, transactions, a Stripe top-up, the USDC deposit address.
import { ApiError, busy, byId, call, clear, el, say, sayError, secretBox, unavailable } from './dashboard-ui.js';
import { loadBalance } from './dashboard-billing.js';

const notice = byId('billing-notice');
const params = new URLSearchParams(window.location.search);

async function start() {
  try {
    await call('GET', '/api/auth/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      // Signed out after the page loaded (the server redirects a signed-out visit itself): sign in, come back.
      clear(notice, 'Sign in to see your billing: ', el('a', { href: '/dashboard?next=/billing' }, 'sign in'), '.');
      return;
    }
    sayError(notice, error);
    return;
  }
  if (params.get('success') === '1') say(notice, 'Payment received. Your balance updates as soon as Stripe confirms it.', 'ok');
  else if (params.get('cancel') === '1') say(notice, 'Payment cancelled: nothing was charged.');
  byId('billing-body').hidden = false;
  loadBalance(byId('balance-amount'), byId('transaction-list'), byId('balance-status'));
  let config = {};
  try {
    config = await call('GET', '/api/config');
  } catch {
    // An older server without the flags: offer both and let the answers say what is missing.
  }
  setUpTopUp(config.cardPaymentsEnabled !== false);
  loadUsdc();
}

function setUpTopUp(enabled) {
  const form = byId('topup-form');
  const status = byId('topup-status');
  if (!enabled) {
    form.hidden = true;
    say(status, 'Card payments are not configured on this server.');
    return;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const amountUsd = Number(form.amountUsd.value);
    if (!Number.isFinite(amountUsd) || amountUsd < 5 || amountUsd > 1000) {
      say(status, 'Amount must be between $5 and $1000', 'error');
      return;
    }
    try {
      const { url } = await busy(form, () => call('POST', '/api/billing/stripe/checkout', { amountUsd }));
      say(status, 'Redirecting to Stripe…');
      window.location.assign(url);
    } catch (error) {
      sayError(status, unavailable(error) ? new Error('Card payments are not available on this server.') : error);
    }
  });
}

async function loadUsdc() {
  const status = byId('usdc-status');
  try {
    const { address } = await call('GET', '/api/billing/usdc/address');
    if (!address) {
      say(status, 'USDC deposits are not configured on this server.');
      return;
    }
    clear(byId('usdc-body'),
      el('p', {}, 'Send USDC to this address; it is credited to your balance once the transfer is confirmed.'),
      secretBox('Your USDC deposit address', address));
  } catch (error) {
    if (unavailable(error)) say(status, 'USDC deposits are not available on this server.');
    else sayError(status, error);
  }
}

start();
