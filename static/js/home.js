// Home page: start a guest meeting (research §9.1: the admin token goes to this tab's
// sessionStorage as `admin_<meetingId>`, the name as `userName`) or join one by code or link.
import { api, meetingIdFrom, say } from './common.js';

const startForm = document.getElementById('start-form');
const joinForm = document.getElementById('join-form');
const startStatus = document.getElementById('start-status');
const joinStatus = document.getElementById('join-status');

const savedName = sessionStorage.getItem('userName') || '';
for (const id of ['start-name', 'join-name']) document.getElementById(id).value = savedName;

function joinUrl(meetingId, name) {
  const query = name ? `?name=${encodeURIComponent(name)}` : '';
  return `/join/${encodeURIComponent(meetingId)}${query}`;
}

startForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = startForm.elements.name.value.trim().slice(0, 60);
  const title = startForm.elements.title.value.trim().slice(0, 200) || 'Untitled Meeting';
  if (!name) {
    say(startStatus, 'Please enter your name.', 'error');
    return;
  }
  const button = startForm.querySelector('button');
  button.disabled = true;
  say(startStatus, 'Creating your meeting…');
  try {
    const meeting = await api('/api/meetings/guest', { method: 'POST', body: { title } });
    sessionStorage.setItem(`admin_${meeting.meetingId}`, meeting.adminToken);
    sessionStorage.setItem('userName', name);
    window.location.assign(joinUrl(meeting.meetingId, name));
  } catch (error) {
    say(startStatus, error.message, 'error');
    button.disabled = false;
  }
});

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const meetingId = meetingIdFrom(joinForm.elements.code.value);
  if (!meetingId) {
    say(joinStatus, 'That does not look like a meeting code or link.', 'error');
    return;
  }
  const name = joinForm.elements.name.value.trim().slice(0, 60);
  if (name) sessionStorage.setItem('userName', name);
  window.location.assign(joinUrl(meetingId, name));
});
