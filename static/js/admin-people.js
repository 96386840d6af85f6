// Admin: users (enable / disable, promote, delete), API keys (revoke), companies (plan, dissolve).
import { button, call, clear, el, say, table, when } from './dashboard-ui.js';

const PLANS = ['free', 'starter', 'pro', 'business'];

// Run a change, then reload the tab and report the server's message (or its error).
async function change(ctx, method, path, body, question) {
  if (question && !window.confirm(question)) return;
  try {
    const answer = await call(method, path, body);
    await ctx.reload();
    say(ctx.status, answer.message || 'Done.', 'ok');
  } catch (error) {
    say(ctx.status, error.message, 'error');
  }
}

export async function loadUsers(ctx) {
  const { users } = await call('GET', '/admin/api/users');
  clear(ctx.body, table([
    { label: 'Email', value: (u) => u.email },
    { label: 'Type', value: (u) => u.account_type },
    { label: 'Company', value: (u) => u.company_name },
    { label: 'Admin', value: (u) => (u.is_admin ? 'yes' : 'no') },
    { label: 'Active', value: (u) => (u.is_active ? 'yes' : 'no') },
    { label: 'Credits (USD)', value: (u) => u.credits_usd },
    { label: 'Keys', value: (u) => u.active_key_count },
    { label: 'Created', value: (u) => when(u.created_at) },
    {
      label: 'Actions',
      value: (u) => el('div', { class: 'actions' },
        button(u.is_active ? 'Disable' : 'Enable',
          () => change(ctx, 'PATCH', `/admin/api/users/${u.id}`, { isActive: !u.is_active }), { 'aria-label': `${u.is_active ? 'Disable' : 'Enable'} ${u.email}` }),
        button(u.is_admin ? 'Remove admin' : 'Make admin',
          () => change(ctx, 'PATCH', `/admin/api/users/${u.id}`, { isAdmin: !u.is_admin }), { 'aria-label': `${u.is_admin ? 'Remove admin from' : 'Make admin'} ${u.email}` }),
        button('Delete', () => change(ctx, 'DELETE', `/admin/api/users/${u.id}`, undefined, `Delete ${u.email}? This cannot be undone.`),
          { class: 'danger', 'aria-label': `Delete ${u.email}` })),
    },
  ], users, { empty: 'No users.' }));
}

export async function loadKeys(ctx) {
  const { keys } = await call('GET', '/admin/api/keys');
  clear(ctx.body, table([
    { label: 'Owner', value: (k) => k.user_email },
    { label: 'Label', value: (k) => k.label },
    { label: 'Key', value: (k) => k.key },
    { label: 'Active', value: (k) => (k.is_active ? 'yes' : 'no') },
    { label: 'Created', value: (k) => when(k.created_at) },
    { label: 'Last used', value: (k) => when(k.last_used_at) },
    {
      label: 'Actions',
      value: (k) => (k.is_active ? button('Revoke', () => change(ctx, 'DELETE', `/admin/api/keys/${k.id}`, undefined, `Revoke the key “${k.label}” of ${k.user_email}?`),
        { class: 'danger', 'aria-label': `Revoke key ${k.label}` }) : ''),
    },
  ], keys, { empty: 'No keys.' }));
}

export async function loadCompanies(ctx) {
  const { companies } = await call('GET', '/admin/api/companies');
  clear(ctx.body, table([
    { label: 'Name', value: (c) => c.name },
    { label: 'Owner', value: (c) => c.owner_email },
    { label: 'Members', value: (c) => c.member_count },
    { label: 'Credits (USD)', value: (c) => c.credits_usd },
    { label: 'Plan', value: (c) => planPicker(ctx, c) },
    { label: 'Created', value: (c) => when(c.created_at) },
    {
      label: 'Actions',
      value: (c) => button('Dissolve', () => change(ctx, 'DELETE', `/admin/api/companies/${c.id}`, undefined, `Dissolve ${c.name}? Members keep their accounts.`),
        { class: 'danger', 'aria-label': `Dissolve ${c.name}` }),
    },
  ], companies, { empty: 'No companies.' }));
}

function planPicker(ctx, company) {
  const select = el('select', { 'aria-label': `Plan of ${company.name}` },
    PLANS.map((plan) => el('option', { value: plan, selected: plan === company.plan }, plan)));
  select.addEventListener('change', () => change(ctx, 'PATCH', `/admin/api/companies/${company.id}`, { plan: select.value }));
  return select;
}
