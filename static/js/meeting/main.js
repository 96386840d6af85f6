// The join page (/join/<meetingId>): lobby → (waiting room) → meeting, over the onepizza socket
// contract (research §9.2–9.4, docs/PROTOCOL.md), so our page, the original's page and bots can
// share a meeting.
//
// Stable hooks for tests (data-testid):
//   lobby, preview-video, name-input, camera-select, mic-select, join-button, lobby-error
//   waiting-screen, waiting-message
//   room (data-media-mode = "mesh" | "sfu"), meeting-title, meeting-timer, lock-state, copy-link, recording-banner, notices (each: notice)
//   video-grid; video-tile (data-participant-id = participantId, data-local="true" on yours,
//     data-speaking), local-video (its srcObject holds your outgoing audio and video tracks),
//     remote-video, tile-name, tile-badges, pin-button
//   mic-button, camera-button, share-button, blur-button, hand-button, reaction-button
//     (data-emoji), chat-toggle, people-toggle, waiting-badge, leave-button
//   chat-panel, chat-list, chat-message (data-from), chat-input, chat-send
//   people-panel, participant-list, participant-row (data-participant-id)
//   activities-toggle, activities-badge, activities-panel: poll-form, poll-question, poll-options,
//     poll-create, poll-status, poll-list, poll (data-poll-id), poll-option (data-option-id,
//     aria-pressed), poll-count, poll-total, poll-end; qa-input, qa-ask, qa-list, question
//     (data-question-id), qa-upvote, qa-answer, qa-answer-input, qa-answer-button, qa-dismiss;
//     notes-text, notes-hint, notes-by
//   devices-toggle, devices-panel, room-camera-select, room-mic-select, devices-status
//   host-panel (hosts only): mute-participant, unmute-participant, kick-participant, mute-all,
//     lock-toggle, waiting-room-toggle, mute-on-join, video-off-on-join, max-participants, media-mode,
//     waiting-list, waiting-row, waiting-count, admit-button, deny-button, end-meeting, host-status
//   gone-screen, gone-title, gone-message, rejoin-button
import { api, duration, h, meetingIdFrom, say } from '../common.js';
import { Activities } from './activities.js';
import { Chat, shareFile } from './chat.js';
import { Grid } from './grid.js';
import { LocalMedia } from './media.js';
import { notify, RecordingBanner } from './notices.js';
import { People } from './people.js';
import { Mesh } from './peers.js';
import { Sfu } from './sfu.js';

// The five the server accepts, each with words for screen readers (an emoji's own name varies by reader).
const REACTIONS = [
  ['\u{1F44D}', 'thumbs up'], ['\u2764\uFE0F', 'heart'], ['\u{1F602}', 'laughing'], ['\u{1F389}', 'celebrate'], ['\u{1F44F}', 'applause'],
];
const byId = (id) => document.getElementById(id);
const els = {
  lobby: byId('lobby'), lobbyCode: byId('lobby-code'), lobbyForm: byId('lobby-form'), preview: byId('preview-video'),
  previewStatus: byId('preview-status'), nameInput: byId('name-input'), cameraSelect: byId('camera-select'),
  micSelect: byId('mic-select'), joinButton: byId('join-button'), lobbyError: byId('lobby-error'),
  waiting: byId('waiting'), waitingMessage: byId('waiting-message'), waitingLeave: byId('waiting-leave'),
  room: byId('room'), title: byId('meeting-title'), timer: byId('meeting-timer'), lockState: byId('lock-state'),
  grid: byId('video-grid'), notices: byId('notices'),
  micButton: byId('mic-button'), cameraButton: byId('camera-button'), shareButton: byId('share-button'),
  blurButton: byId('blur-button'), handButton: byId('hand-button'), reactions: byId('reactions'),
  chatToggle: byId('chat-toggle'), chatUnread: byId('chat-unread'), peopleToggle: byId('people-toggle'),
  leaveButton: byId('leave-button'), chatPanel: byId('chat-panel'), peoplePanel: byId('people-panel'),
  gone: byId('gone'), goneTitle: byId('gone-title'), goneMessage: byId('gone-message'), rejoin: byId('rejoin-button'),
  hostPanel: byId('host-panel'), participantList: byId('participant-list'), waitingList: byId('waiting-list'),
  waitingCount: byId('waiting-count'), waitingBadge: byId('waiting-badge'), lockToggle: byId('lock-toggle'),
  waitingToggle: byId('waiting-room-toggle'), muteOnJoin: byId('mute-on-join'), videoOffOnJoin: byId('video-off-on-join'),
  maxParticipants: byId('max-participants'), mediaMode: byId('media-mode'), muteAll: byId('mute-all'), endMeeting: byId('end-meeting'),
  hostStatus: byId('host-status'),
  activitiesToggle: byId('activities-toggle'), activitiesPanel: byId('activities-panel'), activitiesBadge: byId('activities-badge'),
  pollForm: byId('poll-form'), pollQuestion: byId('poll-question'), pollOptions: byId('poll-options'),
  pollStatus: byId('poll-status'), pollList: byId('poll-list'), pollEmpty: byId('poll-empty'),
  qaForm: byId('qa-form'), qaInput: byId('qa-input'), qaList: byId('qa-list'), qaEmpty: byId('qa-empty'),
  notesText: byId('notes-text'), notesHint: byId('notes-hint'), notesBy: byId('notes-by'),
  devicesToggle: byId('devices-toggle'), devicesPanel: byId('devices-panel'),
  roomCameraSelect: byId('room-camera-select'), roomMicSelect: byId('room-mic-select'), devicesStatus: byId('devices-status'),
};
// Each side panel and the control-bar button that opens it.
const PANELS = new Map([
  [els.chatPanel, els.chatToggle], [els.peoplePanel, els.peopleToggle],
  [els.activitiesPanel, els.activitiesToggle], [els.devicesPanel, els.devicesToggle],
]);

const meetingId = meetingIdFrom(window.location.pathname);
const params = new URLSearchParams(window.location.search);
const state = {
  meetingId,
  adminToken: sessionStorage.getItem(`admin_${meetingId}`) || '',
  invite: params.get('invite') || '',
  name: '',
  // lobby → joining → (waiting) → in → gone; `reconnecting` while the socket is re-established.
  phase: 'lobby',
  me: null,
  isAdmin: false,
  title: '',
  settings: {},
  participants: new Map(),
  joinedAt: 0,
  muted: false,
  videoOff: false,
  hand: false,
  sharing: false,
  blur: false,
};

const say_ = (message, kind) => notify(els.notices, message, kind);

if (!meetingId) {
  fail('This meeting link is not valid.');
} else if (typeof window.io !== 'function') {
  fail('The web client is not installed on this server (socket.io-client is missing). Ask its operator to run scripts/setup.');
} else {
  start();
}

function fail(message) {
  els.joinButton.disabled = true;
  say(els.lobbyError, message, 'error');
  els.previewStatus.textContent = '';
}

function start() {
  const socket = window.io(); // same origin, polling upgraded to websocket, as the original page
  const media = new LocalMedia();
  const grid = new Grid(els.grid);
  const mesh = new Mesh({ socket, media, onTrack: (pid, stream) => grid.setStream(pid, stream), onClosed: () => {} });
  // An sfu meeting (settings.mediaMode): one connection with the server instead of the mesh.
  const sfu = new Sfu({ socket, media, onStream: (pid, stream) => (stream ? grid.setStream(pid, stream) : grid.clearStream(pid)) });
  const sfuMode = () => state.settings.mediaMode === 'sfu';
  const chat = new Chat({
    list: byId('chat-list'), form: byId('chat-form'), input: byId('chat-input'),
    onSend: (text) => socket.emit('chat:message', { text }),
  });
  const banner = new RecordingBanner(byId('recording-banner'), byId('recording-text'), byId('recording-dismiss'));
  const people = new People({ socket, state, els, notify: say_ });
  const chatUnseen = unseen(els.chatPanel, els.chatUnread);
  const activitiesUnseen = unseen(els.activitiesPanel, els.activitiesBadge);
  const activities = new Activities({ socket, state, els, onNews: activitiesUnseen.bump });
  let timer = null;
  const offersTo = new Map(); // participantId → whether this page offers to it in the mesh

  // Only one of the two has connections: the mesh's peers or the SFU's one.
  media.onVideoChange = (track) => { mesh.replaceTrack('video', track); sfu.sync(); showLocal(); };
  media.onAudioChange = (track) => { mesh.replaceTrack('audio', track); sfu.sync(); showLocal(); };
  media.onScreenEnded = () => setSharing(false);
  // Phone browsers have no screen capture: no button that can only fail.
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getDisplayMedia !== 'function') els.shareButton.hidden = true;

  // ---- lobby -----------------------------------------------------------------------------
  els.lobbyCode.textContent = meetingId;
  els.nameInput.value = (params.get('name') || sessionStorage.getItem('userName') || '').slice(0, 60);
  els.lobbyForm.addEventListener('submit', (event) => { event.preventDefault(); join(); });
  // The lobby's selects and the meeting's Devices panel pick the same devices; a switch in the
  // meeting reaches every peer through replaceTrack (media.onAudioChange / onVideoChange).
  els.cameraSelect.addEventListener('change', () => switchDevice('video', els.cameraSelect.value, els.lobbyError));
  els.micSelect.addEventListener('change', () => switchDevice('audio', els.micSelect.value, els.lobbyError));
  els.roomCameraSelect.addEventListener('change', () => switchDevice('video', els.roomCameraSelect.value, els.devicesStatus));
  els.roomMicSelect.addEventListener('change', () => switchDevice('audio', els.roomMicSelect.value, els.devicesStatus));
  if (navigator.mediaDevices) navigator.mediaDevices.addEventListener('devicechange', () => fillDevices());

  const ready = Promise.all([loadConfig(), preview()]);
  if (params.get('name')) ready.then(() => { if (state.phase === 'lobby') join(); });

  async function loadConfig() {
    try {
      const [config, ice] = await Promise.all([api('/api/config'), api('/api/config/ice-servers')]);
      if (ice && Array.isArray(ice.iceServers)) mesh.iceServers = sfu.iceServers = ice.iceServers;
      if (config && config.screenShareEnabled === false) els.shareButton.hidden = true;
      if (config && config.blurEnabled === false) els.blurButton.hidden = true;
    } catch {
      // The built-in STUN servers and every button stay.
    }
  }

  async function preview() {
    const problem = await media.start();
    els.preview.srcObject = media.stream;
    els.preview.play().catch(() => {});
    if (!media.camera && !media.mic) els.previewStatus.textContent = `No camera or microphone (${problem && problem.name}). You can still join.`;
    else if (!media.camera) els.previewStatus.textContent = 'No camera: you will join with audio only.';
    else if (!media.mic) els.previewStatus.textContent = 'No microphone: you will join with video only.';
    else els.previewStatus.textContent = 'Your camera and microphone are ready.';
    await fillDevices();
  }

  async function fillDevices() {
    const { cameras, mics } = await media.devices();
    const fill = (select, devices, current, label) => {
      select.replaceChildren(...devices.map((d, i) => h('option', { value: d.deviceId }, d.label || `${label} ${i + 1}`)));
      if (!devices.length) select.append(h('option', { value: '' }, `No ${label.toLowerCase()}`));
      const id = current && current.getSettings().deviceId;
      if (id) select.value = id;
      select.disabled = devices.length < 2;
    };
    for (const select of [els.cameraSelect, els.roomCameraSelect]) fill(select, cameras, media.camera, 'Camera');
    for (const select of [els.micSelect, els.roomMicSelect]) fill(select, mics, media.mic, 'Microphone');
  }

  async function switchDevice(kind, deviceId, status) {
    if (!deviceId) return;
    try {
      await media.switchDevice(kind, deviceId);
      els.preview.srcObject = media.stream;
      say(status, '');
    } catch (error) {
      say(status, `That device cannot be used: ${error.message}`, 'error');
    }
    await fillDevices(); // both places show what is in use now (the old one after a failure)
  }

  function join() {
    const name = els.nameInput.value.trim().slice(0, 60);
    if (!name) {
      say(els.lobbyError, 'Please enter your name.', 'error');
      els.nameInput.focus();
      return;
    }
    state.name = name;
    sessionStorage.setItem('userName', name);
    state.phase = 'joining';
    els.joinButton.disabled = true;
    say(els.lobbyError, '');
    sendJoin();
  }

  function sendJoin() {
    if (!socket.connected) {
      if (!socket.active) socket.connect(); // the `connect` handler sends it
      return;
    }
    const payload = { meetingId, name: state.name, isAdmin: Boolean(state.adminToken), adminToken: state.adminToken || null };
    if (state.invite) payload.invite = state.invite;
    socket.emit('join-meeting', payload);
  }

  function backToLobby(message) {
    state.phase = 'lobby';
    show('lobby');
    els.joinButton.disabled = false;
    say(els.lobbyError, message, 'error');
  }

  // ---- socket: joining, waiting room -----------------------------------------------------
  socket.on('connect', () => {
    if (['joining', 'waiting', 'reconnecting'].includes(state.phase)) sendJoin();
  });

  socket.on('connect_error', () => {
    if (state.phase === 'lobby') els.previewStatus.textContent = 'Cannot reach the server yet; retrying…';
    // A Join pressed while the server is unreachable must not look like a button that does nothing.
    if (state.phase === 'joining') say(els.lobbyError, 'Cannot reach the server yet; retrying…', 'info');
  });

  socket.on('disconnect', (reason) => {
    if (state.phase === 'gone' || reason === 'io client disconnect') return;
    if (state.phase === 'in') {
      state.phase = 'reconnecting';
      dropRemotes();
      say_('Connection lost. Reconnecting…', 'error');
    }
    // The server closed it (e.g. idle in the lobby): socket.io does not retry that by itself.
    if (reason === 'io server disconnect') socket.connect();
  });

  socket.on('error', (error) => {
    const { message = 'Something went wrong', code, event } = error || {};
    const joining = ['joining', 'waiting', 'reconnecting'].includes(state.phase);
    if (joining && (event === 'join-meeting' || event === 'waiting-room:join')) {
      if (code === 'waiting_room_required' && event === 'join-meeting') {
        socket.emit('waiting-room:join', { meetingId, name: state.name });
      } else if (state.phase === 'reconnecting' || state.joinedAt) {
        leaveLocally();
        gone('You could not rejoin the meeting', message, true);
      } else {
        backToLobby(message);
      }
      return;
    }
    if (typeof event === 'string' && event.startsWith('sfu:')) {
      sfu.refused(code); // not_sfu: the mode changed under it (meeting:settings-updated follows)
      if (code === 'media_unavailable') say_(`${message}; retrying…`, 'error');
      else if (code !== 'not_sfu') console.warn(event, code, message);
      return;
    }
    if (activities.refused(event, message)) return;
    say_(message, 'error');
  });

  socket.on('waiting-room:waiting', (data) => {
    state.phase = 'waiting';
    els.waitingMessage.textContent = (data && data.message) || 'Waiting for the host to admit you…';
    show('waiting');
  });

  socket.on('waiting-room:admitted', () => {
    if (!['joining', 'waiting', 'reconnecting'].includes(state.phase)) return;
    if (state.phase === 'waiting') state.phase = 'joining';
    sendJoin();
  });

  socket.on('waiting-room:denied', (data) => {
    leaveLocally();
    gone('You were not admitted', (data && data.message) || 'The host did not admit you to this meeting.', false);
  });

  els.waitingLeave.addEventListener('click', () => {
    socket.emit('leave-meeting');
    leaveLocally();
    gone('You left the waiting room', '', true);
  });

  // ---- socket: in the meeting ------------------------------------------------------------
  socket.on('joined', (data) => {
    const rejoin = state.joinedAt > 0;
    dropRemotes();
    state.phase = 'in';
    state.me = data.participantId;
    state.isAdmin = Boolean(data.isAdmin);
    byId('chat-share').hidden = !(state.isAdmin && state.adminToken);
    state.title = data.title || 'Meeting';
    state.settings = data.settings || {};
    if (!rejoin) {
      // As the original: apply the join defaults locally; the server already recorded them.
      if (data.muteOnJoin) setMuted(true, false);
      if (data.videoOffOnJoin) setVideoOff(true, false);
      state.joinedAt = Date.now();
      timer = setInterval(tick, 1000);
      tick();
    } else {
      say_('Reconnected', 'ok');
    }
    // The server starts every seat from the join defaults: tell it what this page really sends.
    if (state.muted !== Boolean(data.muteOnJoin) || !media.mic) socket.emit('media:toggle-audio', { isMuted: state.muted || !media.mic });
    if (state.videoOff !== Boolean(data.videoOffOnJoin) || !media.camera) socket.emit('media:toggle-video', { isVideoOff: state.videoOff || !media.camera });
    if (state.sharing) socket.emit('media:screen-share', { isScreenSharing: true });
    setHandShown(false); // a new seat starts with the hand down
    document.title = `${state.title} — Slice`;
    els.title.textContent = state.title;
    show('room');
    const local = grid.add('local', { name: state.name, local: true });
    local.root.dataset.participantId = state.me;
    showLocal();
    for (const p of data.participants || []) addParticipant(p, true);
    startMedia();
    people.setHost(state.isAdmin);
    activities.joined();
    people.showSettings(state.settings);
    if (data.isRecording) banner.show(data.recordingHostName);
    else banner.hide(); // a recording that stopped while this page was away
  });

  socket.on('participant:joined', (p) => {
    addParticipant(p, false);
    if (!sfuMode()) mesh.connect(p.participantId, false);
    say_(`${p.name} joined`);
  });

  socket.on('participant:left', ({ participantId, name } = {}) => {
    if (!state.participants.has(participantId)) return;
    mesh.close(participantId);
    sfu.forget(participantId);
    grid.remove(participantId);
    state.participants.delete(participantId);
    offersTo.delete(participantId);
    people.render();
    say_(`${name || 'Someone'} left`);
  });

  socket.on('participant:updated', (update = {}) => {
    const { participantId } = update;
    if (participantId === state.me) {
      if ('isHandRaised' in update) setHandShown(Boolean(update.isHandRaised));
      updateLocalTile();
      return;
    }
    const p = state.participants.get(participantId);
    if (!p) return;
    Object.assign(p, update);
    grid.update(participantId, p);
    if (update.isScreenSharing === true) grid.pin(participantId); // as the original: follow a new share
    if (update.isScreenSharing === false && grid.pinned === participantId) grid.pin(null);
    if (update.isHandRaised === true) say_(`${p.name} raised a hand`);
    people.render();
  });

  // Signals only from someone seated now: a late offer from a seat that has gone would open a
  // connection that nothing ever closes.
  // In an sfu meeting they still relay, but this page does not use them.
  const seated = (from) => state.phase === 'in' && !sfuMode() && state.participants.has(from);
  socket.on('signal:offer', ({ from, offer } = {}) => { if (seated(from)) mesh.handleOffer(from, offer); });
  socket.on('signal:answer', ({ from, answer } = {}) => { if (seated(from)) mesh.handleAnswer(from, answer); });
  socket.on('signal:ice-candidate', ({ from, candidate } = {}) => { if (seated(from)) mesh.handleCandidate(from, candidate); });

  // SFU media (docs/PROTOCOL.md §9); sfu.js ignores them when it has no connection.
  socket.on('sfu:answer', (data) => sfu.handleAnswer(data));
  socket.on('sfu:offer', (data) => sfu.handleOffer(data));
  socket.on('sfu:track-added', (data) => sfu.trackAdded(data));
  socket.on('sfu:track-removed', (data) => sfu.trackRemoved(data));
  socket.on('sfu:closed', () => sfu.closed());

  socket.on('chat:message', (message = {}) => {
    chat.add(message, message.from === state.me);
    chatUnseen.bump();
  });

  socket.on('chat:file', (shared = {}) => {
    chat.file(shared);
    chatUnseen.bump();
  });

  // Hosts share files (their x-admin-token authorises the upload); everyone can open shared ones.
  const fileInput = byId('chat-file');
  byId('chat-file-button').addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', async () => {
    const [file] = fileInput.files;
    fileInput.value = '';
    if (!file) return;
    chat.system(`Sending ${file.name}…`);
    const failure = await shareFile(meetingId, file, state.name, state.adminToken);
    if (failure) chat.system(`${file.name} was not shared: ${failure}`);
  });

  socket.on('react', ({ participantId, emoji } = {}) => {
    grid.react(participantId === state.me ? 'local' : participantId, emoji);
  });

  socket.on('recording:started', (data) => banner.show(data && data.hostName));
  socket.on('recording:stopped', () => banner.hide());

  socket.on('admin:mute', () => { setMuted(true, false); say_('The host muted you'); });
  socket.on('admin:unmute', () => { setMuted(false, false); say_('The host unmuted you'); });
  socket.on('meeting:all-muted', () => say_('The host muted everyone'));

  socket.on('admin:kick', (data) => {
    leaveLocally();
    gone('You were removed from the meeting', (data && data.reason) || 'Removed by admin', false);
  });

  socket.on('meeting:ended', (data) => {
    leaveLocally();
    gone('The meeting has ended', (data && data.reason) || 'Meeting ended', false);
  });

  socket.on('meeting:settings-updated', (settings = {}) => {
    const wasLocked = Boolean(state.settings.locked);
    const wasSfu = sfuMode();
    state.settings = settings;
    if (state.phase === 'in' && sfuMode() !== wasSfu) switchMedia();
    people.showSettings(settings);
    if (Boolean(settings.locked) !== wasLocked) say_(settings.locked ? 'The meeting is now locked' : 'The meeting is now unlocked');
    if (!settings.waitingRoom) people.clearWaiting();
  });

  socket.on('waiting-room:participant-waiting', (data) => {
    if (state.isAdmin && data) people.waiter(data);
  });

  // ---- controls --------------------------------------------------------------------------
  for (const [emoji, words] of REACTIONS) {
    els.reactions.append(h('button', {
      type: 'button', class: 'reaction', 'data-testid': 'reaction-button', 'data-emoji': emoji, 'aria-label': `React: ${words}`, title: words,
      onclick: () => socket.emit('react', { emoji }),
    }, emoji));
  }

  els.micButton.addEventListener('click', () => {
    if (!media.mic) { say_('No microphone is available', 'error'); return; }
    setMuted(!state.muted, true);
  });
  els.cameraButton.addEventListener('click', () => {
    if (!media.camera) { say_('No camera is available', 'error'); return; }
    setVideoOff(!state.videoOff, true);
  });
  els.shareButton.addEventListener('click', async () => {
    if (state.sharing) {
      media.stopScreen();
      setSharing(false);
      return;
    }
    try {
      await media.shareScreen();
      setSharing(true);
    } catch (error) {
      if (error && error.name !== 'NotAllowedError') say_(`Screen sharing failed: ${error.message}`, 'error');
    }
  });
  els.blurButton.addEventListener('click', () => {
    if (!media.camera) { say_('No camera is available', 'error'); return; }
    state.blur = media.setBlur(!state.blur);
    els.blurButton.setAttribute('aria-pressed', String(state.blur));
    els.blurButton.textContent = state.blur ? 'Unblur' : 'Blur';
  });
  els.handButton.addEventListener('click', () => socket.emit('raise-hand', { isHandRaised: !state.hand }));
  for (const [panel, button] of PANELS) button.addEventListener('click', () => togglePanel(panel, button));
  for (const close of document.querySelectorAll('.close-panel')) {
    close.addEventListener('click', () => {
      const panel = byId(close.dataset.panel);
      togglePanel(panel, PANELS.get(panel), false);
    });
  }
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    for (const [panel, button] of PANELS) togglePanel(panel, button, false);
  });
  els.leaveButton.addEventListener('click', () => {
    socket.emit('leave-meeting');
    leaveLocally();
    gone('You left the meeting', '', true);
  });
  // The link to hand to others: this meeting's page, without this person's name or invite.
  byId('copy-link').addEventListener('click', async () => {
    const link = `${window.location.origin}/join/${encodeURIComponent(meetingId)}`;
    try {
      await navigator.clipboard.writeText(link);
      say_('Meeting link copied', 'ok');
    } catch {
      say_(`Copy this link: ${link}`); // no clipboard (a plain-http address that is not localhost)
    }
  });
  els.rejoin.addEventListener('click', () => {
    window.location.assign(`/join/${encodeURIComponent(meetingId)}?name=${encodeURIComponent(state.name)}`);
  });
  window.addEventListener('pagehide', () => socket.disconnect());

  // ---- helpers ---------------------------------------------------------------------------
  function setMuted(muted, tell) {
    state.muted = muted;
    media.setMuted(muted);
    els.micButton.textContent = muted ? 'Unmute' : 'Mute';
    els.micButton.setAttribute('aria-pressed', String(muted));
    updateLocalTile();
    if (tell && state.phase === 'in') {
      socket.emit('media:toggle-audio', { isMuted: muted });
      if (!muted && state.hand) socket.emit('raise-hand', { isHandRaised: false });
    }
    people.render();
  }

  function setVideoOff(off, tell) {
    state.videoOff = off;
    media.setVideoOff(off);
    els.cameraButton.textContent = off ? 'Start video' : 'Stop video';
    els.cameraButton.setAttribute('aria-pressed', String(off));
    updateLocalTile();
    if (tell && state.phase === 'in') socket.emit('media:toggle-video', { isVideoOff: off });
  }

  function setSharing(on) {
    state.sharing = on;
    els.shareButton.textContent = on ? 'Stop sharing' : 'Share screen';
    els.shareButton.setAttribute('aria-pressed', String(on));
    updateLocalTile();
    if (state.phase === 'in') socket.emit('media:screen-share', { isScreenSharing: on });
  }

  // Your own tile: what you send (a shared screen shows even with the camera off).
  function updateLocalTile() {
    grid.update('local', {
      isMuted: state.muted || !media.mic, isVideoOff: state.videoOff || !media.camera, isHandRaised: state.hand,
      isScreenSharing: state.sharing, isAdmin: state.isAdmin,
    });
  }

  function setHandShown(raised) {
    state.hand = raised;
    els.handButton.textContent = raised ? 'Lower hand' : 'Raise hand';
    els.handButton.setAttribute('aria-pressed', String(raised));
  }

  function showLocal() {
    const tile = grid.tiles.get('local');
    if (tile) {
      tile.video.srcObject = null;
      grid.setStream('local', media.stream);
      updateLocalTile();
    }
    els.preview.srcObject = media.stream;
  }

  // `before`: seated when this page joined, so this page was the newcomer who offers (mesh).
  function addParticipant(p, before) {
    if (!p || typeof p.participantId !== 'string') return;
    const entry = { name: 'Anonymous', isMuted: false, isVideoOff: false, isHandRaised: false, isAdmin: false, ...p };
    state.participants.set(p.participantId, entry);
    offersTo.set(p.participantId, before);
    grid.add(p.participantId, { name: entry.name });
    grid.update(p.participantId, entry);
    const stream = sfu.streamOf(p.participantId); // media that came before participant:joined
    if (stream) grid.setStream(p.participantId, stream);
    people.render();
  }

  // The mesh as a fresh joiner starts it (the newcomer offers to everyone present), or the one
  // SFU connection.
  function startMedia() {
    els.room.dataset.mediaMode = sfuMode() ? 'sfu' : 'mesh';
    if (sfuMode()) {
      sfu.start();
      return;
    }
    for (const participantId of state.participants.keys()) mesh.connect(participantId, offersTo.get(participantId));
  }

  // meeting:settings-updated changed mediaMode during the call: close what the old mode opened.
  // Back in mesh, each pair connects as when they met: the one who joined later offers.
  function switchMedia() {
    mesh.closeAll();
    sfu.stop();
    for (const participantId of state.participants.keys()) grid.clearStream(participantId);
    startMedia();
    say_(sfuMode() ? 'Media now goes through the server' : 'Media now goes directly between participants');
  }

  // Everyone else's seat and connection; the waiting queue stays (waiters keep their sockets while
  // a host's socket re-joins, and the server does not send the queue again).
  function dropRemotes() {
    mesh.closeAll();
    sfu.stop();
    grid.removeRemotes();
    state.participants.clear();
    offersTo.clear();
    people.render();
  }

  function leaveLocally() {
    state.phase = 'gone';
    clearInterval(timer);
    dropRemotes();
    people.clearWaiting();
    grid.destroy();
    media.stop();
    banner.hide();
    socket.disconnect();
  }

  function gone(title, message, canRejoin) {
    els.goneTitle.textContent = title;
    els.goneMessage.textContent = message || '';
    els.rejoin.hidden = !canRejoin;
    document.title = `${title} — Slice`;
    show('gone');
  }

  function tick() {
    els.timer.textContent = duration((Date.now() - state.joinedAt) / 1000);
  }

  function togglePanel(panel, button, open = panel.hidden) {
    // Closing a panel that holds the focus hands it back to the button that opened it.
    if (!open && !panel.hidden && panel.contains(document.activeElement)) button.focus();
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open && panel === els.chatPanel) {
      chatUnseen.clear();
      byId('chat-input').focus();
    }
    if (open && panel === els.activitiesPanel) activitiesUnseen.clear();
    if (open && panel === els.devicesPanel) fillDevices(); // devices plugged in since the lobby
  }
}

// The count on a panel's button of what arrived while the panel was closed.
function unseen(panel, badge) {
  let count = 0;
  return {
    bump() {
      if (!panel.hidden) return;
      count += 1;
      badge.textContent = String(count);
      badge.hidden = false;
    },
    clear() {
      count = 0;
      badge.hidden = true;
    },
  };
}

function show(screen) {
  els.lobby.hidden = screen !== 'lobby';
  els.waiting.hidden = screen !== 'waiting';
  els.room.hidden = screen !== 'room';
  els.gone.hidden = screen !== 'gone';
}
