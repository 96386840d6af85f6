// /admin/dashboard: tabs over the site-admin API. Each tab loads when first shown and again when
// re-selected; a tab whose routes fail says so and leaves the others working.
import { ApiError, byId, say, sayError, unavailable } from './dashboard-ui.js';
import { loadStats, loadLiveMeetings } from './admin-meetings.js';
import { loadUsers, loadKeys, loadCompanies } from './admin-people.js';
import { loadSettings } from './admin-settings.js';
import { loadBilling, loadCrypto } from './admin-money.js';
import { loadAnalytics } from './admin-analytics.js';

const LOADERS = {
  stats: loadStats,
  meetings: loadLiveMeetings,
  users: loadUsers,
  keys: loadKeys,
  settings: loadSettings,
  billing: loadBilling,
  companies: loadCompanies,
  crypto: loadCrypto,
  analytics: loadAnalytics,
};

const tabs = [...document.querySelectorAll('[role="tab"]')];

async function show(tab, focus = false) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    byId(other.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  const name = tab.id.replace(/^tab-/, '');
  const panel = byId(`panel-${name}`);
  const status = panel.querySelector('.status');
  const body = panel.querySelector('.panel-body');
  say(status, '');
  try {
    await LOADERS[name]({ status, body, reload: () => show(tab) });
  } catch (error) {
    failed(status, error);
  }
}

function failed(status, error) {
  if (error instanceof ApiError && error.status === 401) {
    window.location.assign('/admin');
    return;
  }
  sayError(status, unavailable(error) ? new Error('This section is not available on this server.') : error);
}

function setUpTabs() {
  tabs.forEach((tab, index) => {
    tab.addEventListener('click', () => show(tab));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      if (event.key === 'Home' || event.key === 'End') {
        event.preventDefault();
        show(event.key === 'Home' ? tabs[0] : tabs[tabs.length - 1], true);
      } else if (step) {
        event.preventDefault();
        show(tabs[(index + step + tabs.length) % tabs.length], true);
      }
    });
  });
}

byId('admin-logout').addEventListener('click', async () => {
  try {
    await fetch('/admin/logout', { method: 'POST', credentials: 'same-origin', redirect: 'manual' });
  } finally {
    window.location.assign('/admin');
  }
});

setUpTabs();
show(tabs[0]);

