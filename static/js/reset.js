// Password reset: ask for a link, or (with ?token=) check the link and set a new password.
import { busy, byId, call, say, sayError } from './dashboard-ui.js';

const token = new URLSearchParams(window.location.search).get('token');

function setUpRequest() {
  byId('request').hidden = false;
  const form = byId('request-form');
  const status = byId('request-status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const email = form.email.value.trim();
    if (!email) {
      say(status, 'Email required', 'error');
      return;
    }
    try {
      const answer = await busy(form, () => call('POST', '/api/auth/forgot-password', { email }));
      say(status, answer.message, 'ok');
    } catch (error) {
      sayError(status, error);
    }
  });
}

async function setUpChoose() {
  const form = byId('choose-form');
  const status = byId('choose-status');
  byId('choose').hidden = false;
  try {
    await call('GET', `/api/auth/reset-password?token=${encodeURIComponent(token)}`);
  } catch (error) {
    form.hidden = true;
    sayError(status, error);
    setUpRequest();
    return;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.newPassword.value !== form.confirm.value) {
      say(status, 'The two passwords differ.', 'error');
      return;
    }
    try {
      const answer = await busy(form, () => call('POST', '/api/auth/reset-password', { token, newPassword: form.newPassword.value }));
      form.hidden = true;
      say(status, `${answer.message}. You can now sign in on the dashboard.`, 'ok');
    } catch (error) {
      sayError(status, error);
    }
  });
}

if (token) setUpChoose();
else setUpRequest();
