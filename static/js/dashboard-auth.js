// Dashboard session: the sign-in form, sign out, the profile card and the password change.
import { busy, byId, call, say, sayError } from './dashboard-ui.js';

export function setUpSignIn() {
  byId('signin').hidden = false;
  const form = byId('signin-form');
  const status = byId('signin-status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const email = form.email.value.trim();
    const password = form.password.value;
    if (!email || !password) {
      say(status, 'Enter your email and password.', 'error');
      return;
    }
    try {
      await busy(form, () => call('POST', '/api/auth/login', { email, password }));
      window.location.assign(nextPage());
    } catch (error) {
      sayError(status, error);
    }
  });
  byId('signin-email').focus();
}

// /billing sends a signed-out visitor here with ?next=/billing; only a path on this site is followed.
function nextPage() {
  const next = new URLSearchParams(window.location.search).get('next') || '';
  return /^\/(?![\/\\])/.test(next) ? next : '/dashboard';
}

export function setUpLogout() {
  const logout = byId('logout');
  logout.hidden = false;
  logout.addEventListener('click', async () => {
    try {
      await call('POST', '/api/auth/logout');
    } finally {
      window.location.assign('/dashboard');
    }
  });
}

export function showProfile(me) {
  byId('profile-email').textContent = me.email;
  byId('profile-type').textContent = me.accountType || me.account_type || 'personal';
  byId('profile-company').textContent = me.company_name || '—';
  byId('profile-balance').textContent = `$${me.balance}`;
}

export function setUpPasswordChange() {
  const form = byId('password-form');
  const status = byId('password-status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { currentPassword: form.currentPassword.value, newPassword: form.newPassword.value };
    try {
      const answer = await busy(form, () => call('POST', '/api/auth/change-password', body));
      form.reset();
      say(status, answer.message, 'ok');
    } catch (error) {
      sayError(status, error);
    }
  });
}
