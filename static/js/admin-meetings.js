// Admin: the overview figures and the live meetings (end one).
import { button, call, clear, el, say, table, when } from './dashboard-ui.js';

const STAT_LABELS = {
  activeMeetings: 'Active meetings',
  totalUsers: 'Active users',
  activeApiKeys: 'Active API keys',
  totalCompanies: 'Companies',
  totalCreditsIssued: 'Credits issued (USD)',
};

export async function loadStats({ body }) {
  const stats = await call('GET', '/admin/api/stats');
  clear(body, el('dl', { class: 'facts', id: 'admin-stats' }, Object.entries(stats).flatMap(([key, value]) => [
    el('dt', {}, STAT_LABELS[key] || key),
    el('dd', { 'data-stat': key }, value === null || value === undefined ? '—' : String(value)),
  ])));
}

export async function loadLiveMeetings({ status, body, reload }) {
  const { meetings, total } = await call('GET', '/admin/api/meetings?limit=500');
  clear(body, el('p', {}, `${total ?? meetings.length} live meeting(s).`), table([
    { label: 'Meeting', value: (m) => m.meetingId },
    { label: 'Title', value: (m) => m.title },
    { label: 'Created', value: (m) => when(m.createdAt) },
    { label: 'Participants', value: (m) => m.participantCount },
    { label: 'Who', value: (m) => (m.participants || []).map((p) => p.name).join(', ') },
    {
      label: 'Actions',
      value: (m) => button('End', async () => {
        if (!window.confirm(`End meeting ${m.meetingId} for everyone?`)) return;
        const answer = await call('DELETE', `/admin/api/meetings/${encodeURIComponent(m.meetingId)}`).catch((e) => e);
        if (answer instanceof Error) say(status, answer.message, 'error');
        else { await reload(); say(status, answer.message, 'ok'); }
      }, { class: 'danger', 'aria-label': `End meeting ${m.meetingId}` }),
    },
  ], meetings, { empty: 'No live meetings.' }));
}
