// /admin: the site admin's sign-in form, then the admin dashboard.
import { busy, byId, call, say, sayError } from './dashboard-ui.js';

const form = byId('admin-login-form');
const status = byId('admin-login-status');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const email = form.email.value.trim();
  const password = form.password.value;
  if (!email || !password) {
    say(status, 'Enter your email and password.', 'error');
    return;
  }
  try {
    await busy(form, () => call('POST', '/admin/login', { email, password }));
    window.location.assign('/admin/dashboard');
  } catch (error) {
    sayError(status, error);
  }
});
byId('admin-email').focus();
