// Create a meeting (with the session, or with an API key held in memory) and the meeting history.
import { busy, button, byId, call, clear, el, say, sayError, secretBox, table, when } from './dashboard-ui.js';

// Where the join page looks for the host's admin token (research §9.1: only in this tab's
// sessionStorage, under admin_<meetingId>).
export const adminTokenKey = (meetingId) => `admin_${meetingId}`;

export function setUpMeetings() {
  const form = byId('meeting-form');
  document.addEventListener('slice:key-created', (event) => { form.apiKey.value = event.detail; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const status = byId('meeting-status');
    let body;
    try {
      body = meetingBody(form);
    } catch (error) {
      sayError(status, error);
      return;
    }
    const key = form.apiKey.value.trim();
    try {
      const meeting = await busy(form, () => call('POST', '/api/meetings', body, key ? { 'x-api-key': key } : {}));
      sessionStorage.setItem(adminTokenKey(meeting.meetingId), meeting.adminToken);
      showCreated(meeting);
      say(status, meeting.status === 'scheduled' ? 'Meeting scheduled.' : 'Meeting created.', 'ok');
      await loadHistory();
    } catch (error) {
      sayError(status, error.status === 402 ? new Error('Insufficient credits: add credit on the Billing page first.') : error);
    }
  });
  byId('history-refresh').addEventListener('click', loadHistory);
  loadHistory();
}

function meetingBody(form) {
  const body = { title: form.title.value.trim() || 'Untitled Meeting' };
  if (form.scheduledAt.value) {
    const when = new Date(form.scheduledAt.value);
    if (Number.isNaN(when.getTime())) throw new Error('The scheduled start is not a valid date.');
    body.scheduledAt = when.toISOString();
  }
  if (form.maxParticipants.value) {
    const max = Number(form.maxParticipants.value);
    if (!Number.isInteger(max) || max < 2 || max > 500) throw new Error('Maximum participants must be a whole number from 2 to 500.');
    body.maxParticipants = max;
  }
  for (const name of ['waitingRoom', 'muteOnJoin', 'videoOffOnJoin']) body[name] = form[name].checked;
  return body;
}

function showCreated(meeting) {
  const joinUrl = new URL(meeting.joinUrl || `/join/${meeting.meetingId}`, window.location.origin).href;
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const host = button('Join as host', () => {
    sessionStorage.setItem(adminTokenKey(meeting.meetingId), meeting.adminToken);
    window.location.assign(`/join/${encodeURIComponent(meeting.meetingId)}`);
  });
  const state = el('dd', {}, meeting.status || 'active');
  const end = button(meeting.status === 'scheduled' ? 'Cancel meeting' : 'End meeting', async () => {
    if (!window.confirm('End this meeting for everyone?')) return;
    try {
      const answer = await call('DELETE', `/api/meetings/${encodeURIComponent(meeting.meetingId)}`, undefined,
        { 'x-admin-token': meeting.adminToken });
      say(status, answer.message, 'ok');
      state.textContent = 'ended';
      end.disabled = true;
      host.disabled = true;
      await loadHistory();
    } catch (error) {
      sayError(status, error);
    }
  }, { class: 'danger' });
  clear(byId('meeting-created'), el('div', { class: 'created-meeting', 'data-meeting-id': meeting.meetingId },
    el('h3', {}, meeting.title || 'Untitled Meeting'),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Meeting ID'), el('dd', { class: 'meeting-id' }, meeting.meetingId),
      el('dt', {}, 'Status'), state,
      meeting.scheduledAt ? [el('dt', {}, 'Starts'), el('dd', {}, when(meeting.scheduledAt))] : null),
    secretBox('Join link (share it with participants)', joinUrl),
    secretBox('Host admin token', meeting.adminToken,
      'It makes whoever holds it the host. This tab keeps it for “Join as host”; copy it if you need it elsewhere.'),
    el('div', { class: 'actions' }, host, end),
    status));
}

export async function loadHistory() {
  const list = byId('history-list');
  const status = byId('history-status');
  try {
    const { meetings } = await call('GET', '/api/meetings/history');
    say(status, '');
    clear(list, table([
      { label: 'Meeting', value: (m) => m.meeting_id },
      { label: 'Title', value: (m) => m.title },
      { label: 'Started', value: (m) => when(m.started_at) },
      { label: 'Ended', value: (m) => (m.ended_at ? when(m.ended_at) : 'in progress') },
      { label: 'Minutes', value: (m) => m.duration_minutes },
      { label: 'Peak', value: (m) => m.peak_participants },
      { label: 'Cost (USD)', value: (m) => m.cost_usd },
    ], meetings, {
      caption: 'Your meetings, newest first',
      empty: 'No meetings yet.',
      rowAttrs: (m) => ({ 'data-meeting-id': m.meeting_id, 'data-ended': m.ended_at ? 'yes' : 'no' }),
    }));
  } catch (error) {
    sayError(status, error);
  }
}
