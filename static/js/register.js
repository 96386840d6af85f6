// Registration: personal or company; the first API key (and a company's invite code) shown once.
import { busy, byId, call, clear, say, sayError, secretBox } from './dashboard-ui.js';

const form = byId('register-form');
const status = byId('register-status');

function accountType() {
  return form.querySelector('input[name="accountType"]:checked').value;
}

form.addEventListener('change', () => {
  byId('company-name-row').hidden = accountType() !== 'company';
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = { email: form.email.value.trim(), password: form.password.value, accountType: accountType() };
  if (body.accountType === 'company') body.companyName = form.companyName.value.trim();
  if (!body.email || !body.password) {
    say(status, 'Email and password required', 'error');
    return;
  }
  try {
    const answer = await busy(form, () => call('POST', '/api/auth/register', body));
    showWelcome(answer);
  } catch (error) {
    sayError(status, error);
  }
});

function showWelcome(answer) {
  byId('register').hidden = true;
  byId('welcome').hidden = false;
  byId('welcome-email').textContent = answer.email;
  clear(byId('welcome-key'), secretBox('Your API key', answer.apiKey,
    'Copy it now: it is shown only this once. You can create more keys on the dashboard.'));
  if (answer.inviteCode) {
    clear(byId('welcome-invite'), secretBox('Company invite code (share it with your colleagues)', answer.inviteCode));
  }
  byId('welcome-h').focus();
}
