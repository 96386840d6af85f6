// The People panel: everyone in the meeting and, for the host, the controls: mute / unmute / kick
// a participant, mute all, lock, waiting room (admit / deny, count), join settings, media mode
// (mesh or sfu), end for all.
// Host REST calls carry only the meeting's x-admin-token (research §9.4); admit / deny are socket events.
import { api, h, say } from '../common.js';

export class People {
  constructor({ socket, state, els, notify }) {
    this.socket = socket;
    this.state = state;
    this.els = els;
    this.notify = notify;
    this.waiting = new Map(); // socketId → name
    els.lockToggle.addEventListener('change', () => this._run(
      () => this._host(els.lockToggle.checked ? '/lock' : '/unlock', 'POST'),
      els.lockToggle.checked ? 'Meeting locked' : 'Meeting unlocked'));
    els.waitingToggle.addEventListener('change', () => this._settings({ waitingRoom: els.waitingToggle.checked }));
    els.muteOnJoin.addEventListener('change', () => this._settings({ muteOnJoin: els.muteOnJoin.checked }));
    els.videoOffOnJoin.addEventListener('change', () => this._settings({ videoOffOnJoin: els.videoOffOnJoin.checked }));
    els.maxParticipants.addEventListener('change', () => {
      const value = Number(els.maxParticipants.value);
      if (Number.isInteger(value) && value >= 1) this._settings({ maxParticipants: value });
    });
    els.mediaMode.addEventListener('change', () => this._settings({ mediaMode: els.mediaMode.value }));
    els.muteAll.addEventListener('click', () => this._run(() => this._host('/mute-all', 'POST'), 'Everyone is muted'));
    els.endMeeting.addEventListener('click', () => {
      if (window.confirm('End the meeting for everyone?')) this._run(() => this._host('', 'DELETE'), 'Ending the meeting…');
    });
  }

  async _host(path, method, body) {
    return api(`/api/meetings/${encodeURIComponent(this.state.meetingId)}${path}`, {
      method, body, headers: { 'x-admin-token': this.state.adminToken },
    });
  }

  async _run(work, done) {
    try {
      await work();
      say(this.els.hostStatus, done, 'ok');
    } catch (error) {
      say(this.els.hostStatus, error.message, 'error');
      this.showSettings(this.state.settings); // put the switches back as the server has them
    }
  }

  _settings(patch) {
    return this._run(() => this._host('/settings', 'PATCH', patch), 'Settings saved');
  }

  setHost(isHost) {
    this.els.hostPanel.hidden = !isHost;
    this.render();
  }

  showSettings(settings) {
    const { els } = this;
    els.lockToggle.checked = Boolean(settings.locked);
    els.waitingToggle.checked = Boolean(settings.waitingRoom);
    els.muteOnJoin.checked = Boolean(settings.muteOnJoin);
    els.videoOffOnJoin.checked = Boolean(settings.videoOffOnJoin);
    if (document.activeElement !== els.maxParticipants) els.maxParticipants.value = String(settings.maxParticipants || '');
    els.mediaMode.value = settings.mediaMode === 'sfu' ? 'sfu' : 'mesh';
    els.lockState.hidden = !settings.locked;
  }

  render() {
    const { state, els } = this;
    const rows = [];
    if (state.me) rows.push(this._row(state.me, { name: state.name, isAdmin: state.isAdmin, isMuted: state.muted }, true));
    for (const [participantId, p] of state.participants) rows.push(this._row(participantId, p, false));
    els.participantList.replaceChildren(...rows);
    els.peopleToggle.firstChild.textContent = `People (${rows.length}) `;
  }

  _row(participantId, p, me) {
    const controls = [];
    if (this.state.isAdmin && !me) {
      controls.push(
        p.isMuted
          ? h('button', { type: 'button', 'data-testid': 'unmute-participant', onclick: () => this._run(() => this._host(`/participants/${encodeURIComponent(participantId)}/unmute`, 'POST'), `${p.name} unmuted`) }, 'Unmute')
          : h('button', { type: 'button', 'data-testid': 'mute-participant', onclick: () => this._run(() => this._host(`/participants/${encodeURIComponent(participantId)}/mute`, 'POST'), `${p.name} muted`) }, 'Mute'),
        h('button', {
          type: 'button', class: 'danger', 'data-testid': 'kick-participant',
          onclick: () => this._run(() => this._host(`/participants/${encodeURIComponent(participantId)}/kick`, 'POST', { reason: 'Removed by host' }), `${p.name} removed`),
        }, 'Remove'),
      );
    }
    const flags = [p.isAdmin ? 'host' : '', p.isMuted ? 'muted' : '', p.isHandRaised ? 'hand raised' : ''].filter(Boolean).join(', ');
    return h('li', { class: 'row', 'data-testid': 'participant-row', 'data-participant-id': participantId },
      h('span', { class: 'row-name' }, me ? `${p.name} (you)` : p.name, flags ? h('span', { class: 'muted' }, ` — ${flags}`) : null),
      h('span', { class: 'row-actions' }, controls));
  }

  // waiting-room:participant-waiting {socketId, name, count, removed?}
  waiter({ socketId, name, count, removed }) {
    if (typeof socketId !== 'string') return;
    if (removed) this.waiting.delete(socketId);
    else {
      this.waiting.set(socketId, name);
      this.notify(`${name} is waiting to join`);
    }
    this._renderWaiting(typeof count === 'number' ? count : this.waiting.size);
  }

  _renderWaiting(count) {
    const { els } = this;
    const rows = [...this.waiting].map(([socketId, name]) => h('li', { class: 'row', 'data-testid': 'waiting-row' },
      h('span', { class: 'row-name' }, name),
      h('span', { class: 'row-actions' },
        h('button', { type: 'button', class: 'primary', 'data-testid': 'admit-button', onclick: () => this._decide('admit', socketId) }, 'Admit'),
        h('button', { type: 'button', 'data-testid': 'deny-button', onclick: () => this._decide('deny', socketId) }, 'Deny'))));
    els.waitingList.replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, 'Nobody is waiting.')]));
    els.waitingCount.textContent = String(count);
    els.waitingBadge.textContent = String(count);
    els.waitingBadge.hidden = !this.state.isAdmin || count === 0;
    els.waitingBadge.setAttribute('aria-label', `${count} waiting`);
  }

  _decide(action, socketId) {
    this.socket.emit(`waiting-room:${action}`, { meetingId: this.state.meetingId, socketId });
    this.waiting.delete(socketId);
    this._renderWaiting(this.waiting.size);
  }

  clearWaiting() {
    this.waiting.clear();
    this._renderWaiting(0);
  }
}
