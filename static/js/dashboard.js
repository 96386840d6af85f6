// The dashboard: sign in, or the signed-in account's sections. Each section loads on its own,
// so one failing (or not yet on this server) leaves the others working.
import { ApiError, byId, call, say, sayError } from './dashboard-ui.js';
import { setUpSignIn, showProfile, setUpLogout, setUpPasswordChange } from './dashboard-auth.js';
import { setUpKeys } from './dashboard-keys.js';
import { setUpMeetings } from './dashboard-meetings.js';
import { setUpWebhooks } from './dashboard-webhooks.js';
import { loadBalance } from './dashboard-billing.js';
import { setUpCompany } from './dashboard-company.js';

async function start() {
  let me;
  try {
    me = await call('GET', '/api/auth/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setUpSignIn();
      return;
    }
    sayError(byId('page-status'), error);
    return;
  }
  byId('account').hidden = false;
  setUpLogout();
  showProfile(me);
  setUpPasswordChange();
  setUpKeys();
  setUpMeetings();
  setUpWebhooks();
  loadBalance(byId('balance-amount'), byId('transaction-list'), byId('balance-status'));
  setUpCompany(me);
  say(byId('page-status'), `Signed in as ${me.email}`);
}

start();
