// Balance and credit transactions: on the dashboard and on /billing.
import { call, clear, say, sayError, table, unavailable, when } from './dashboard-ui.js';

export async function loadBalance(amountNode, listNode, status) {
  try {
    const history = await call('GET', '/api/billing/history');
    amountNode.textContent = `$${history.balance}`;
    clear(listNode, transactionsTable(history.transactions || []));
    return history;
  } catch (error) {
    if (unavailable(error)) say(status, 'Billing history is not available on this server.');
    else sayError(status, error);
    return null;
  }
}

export function transactionsTable(transactions) {
  return table([
    { label: 'Date', value: (t) => when(t.created_at) },
    { label: 'Type', value: (t) => t.type },
    { label: 'Description', value: (t) => t.description },
    { label: 'Amount (USD)', value: (t) => t.amount_usd },
    { label: 'Reference', value: (t) => t.reference_id },
  ], transactions, { caption: 'Latest transactions', empty: 'No transactions yet.' });
}
