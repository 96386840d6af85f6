// The video grid: one tile per participant (yours first), spotlight by pinning, a speaking ring
// from a WebAudio level meter, badges for muted / hand raised, floating reactions.
import { h } from '../common.js';

const SPEAKING_LEVEL = 0.04; // RMS of the waveform, 0..1
const METER_INTERVAL_MS = 150;

export class Grid {
  constructor(container) {
    this.container = container;
    this.tiles = new Map();
    this.pinned = null;
    this.audio = null;
    this.meter = null;
    // Browsers start an AudioContext suspended until the person interacts; resume on any click.
    document.addEventListener('click', () => this.audio && this.audio.resume().catch(() => {}));
  }

  add(participantId, { name, local = false }) {
    if (this.tiles.has(participantId)) return this.tiles.get(participantId);
    const video = h('video', { autoplay: true, playsinline: true, muted: true, 'data-testid': local ? 'local-video' : 'remote-video' });
    video.muted = true; // sound goes through the <audio> element, so a muted autoplay never blocks the picture
    const audio = local ? null : h('audio', { autoplay: true });
    const label = h('span', { class: 'tile-name', 'data-testid': 'tile-name' }, local ? `${name} (you)` : name);
    const badges = h('span', { class: 'tile-badges', 'data-testid': 'tile-badges' });
    const avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, initials(name));
    const pin = h('button', { type: 'button', class: 'pin', 'aria-pressed': 'false', 'data-testid': 'pin-button', 'aria-label': `Pin ${name}` }, 'Pin');
    const reaction = h('div', { class: 'tile-reaction', 'aria-hidden': 'true' });
    const root = h('figure', {
      class: 'tile', 'data-testid': 'video-tile', 'data-participant-id': participantId, 'data-local': local ? 'true' : null,
    }, video, audio, avatar, reaction, h('figcaption', {}, label, badges), pin);
    pin.addEventListener('click', () => this.togglePin(participantId));
    root.addEventListener('dblclick', () => this.togglePin(participantId));
    const tile = { root, video, audio, badges, avatar, reaction, pin, name, local, meter: null, reactionTimer: null };
    this.tiles.set(participantId, tile);
    if (local) this.container.prepend(root);
    else this.container.append(root);
    this._layout();
    return tile;
  }

  setStream(participantId, stream) {
    const tile = this.tiles.get(participantId);
    if (!tile) return;
    if (tile.video.srcObject !== stream) tile.video.srcObject = stream;
    tile.video.play().catch(() => {});
    if (tile.audio && stream.getAudioTracks().length) {
      if (tile.audio.srcObject !== stream) tile.audio.srcObject = stream;
      tile.audio.play().catch(() => this._needsSound(tile));
    }
    this._meter(tile, stream);
  }

  // The participant's media is gone (a closed connection): the tile shows its avatar until new media comes.
  clearStream(participantId) {
    const tile = this.tiles.get(participantId);
    if (!tile) return;
    if (tile.meter) tile.meter.source.disconnect();
    tile.meter = null;
    tile.root.classList.remove('speaking');
    tile.root.dataset.speaking = 'false';
    tile.video.srcObject = null;
    if (tile.audio) tile.audio.srcObject = null;
  }

  // Autoplay with sound refused (no click yet on this page): a click anywhere starts the sound.
  _needsSound(tile) {
    if (tile.waitingForClick) return; // one listener per tile, however many tracks arrive before the click
    tile.waitingForClick = true;
    const retry = () => {
      tile.waitingForClick = false;
      if (tile.audio) tile.audio.play().catch(() => {});
      document.removeEventListener('click', retry);
    };
    document.addEventListener('click', retry);
  }

  update(participantId, participant) {
    const tile = this.tiles.get(participantId);
    if (!tile) return;
    const badges = [];
    if (participant.isMuted) badges.push(h('span', { title: 'Muted', 'data-badge': 'muted' }, '🔇'));
    if (participant.isHandRaised) badges.push(h('span', { title: 'Hand raised', 'data-badge': 'hand' }, '✋'));
    if (participant.isScreenSharing) badges.push(h('span', { title: 'Sharing the screen', 'data-badge': 'screen' }, '🖥'));
    if (participant.isAdmin) badges.push(h('span', { title: 'Host', 'data-badge': 'host' }, '★'));
    tile.badges.replaceChildren(...badges);
    tile.root.classList.toggle('video-off', Boolean(participant.isVideoOff) && !participant.isScreenSharing);
  }

  react(participantId, emoji) {
    const tile = this.tiles.get(participantId);
    if (!tile) return;
    tile.reaction.textContent = emoji;
    tile.reaction.classList.remove('show');
    void tile.reaction.offsetWidth; // restart the animation
    tile.reaction.classList.add('show');
    clearTimeout(tile.reactionTimer);
    tile.reactionTimer = setTimeout(() => { tile.reaction.textContent = ''; tile.reaction.classList.remove('show'); }, 3000);
  }

  remove(participantId) {
    const tile = this.tiles.get(participantId);
    if (!tile) return;
    if (tile.meter) tile.meter.source.disconnect();
    clearTimeout(tile.reactionTimer);
    tile.video.srcObject = null;
    if (tile.audio) tile.audio.srcObject = null;
    tile.root.remove();
    this.tiles.delete(participantId);
    if (this.pinned === participantId) this.pinned = null;
    this._layout();
  }

  removeRemotes() {
    for (const [participantId, tile] of [...this.tiles]) if (!tile.local) this.remove(participantId);
  }

  togglePin(participantId) {
    this.pin(this.pinned === participantId ? null : participantId);
  }

  pin(participantId) {
    this.pinned = participantId && this.tiles.has(participantId) ? participantId : null;
    this._layout();
  }

  _layout() {
    for (const [participantId, tile] of this.tiles) {
      const on = participantId === this.pinned;
      tile.root.classList.toggle('pinned', on);
      tile.pin.setAttribute('aria-pressed', String(on));
      tile.pin.setAttribute('aria-label', `${on ? 'Unpin' : 'Pin'} ${tile.name}`);
      tile.pin.textContent = on ? 'Unpin' : 'Pin';
    }
    this.container.classList.toggle('spotlight', Boolean(this.pinned));
    this.container.dataset.count = String(Math.min(this.tiles.size, 9));
  }

  _meter(tile, stream) {
    const track = stream.getAudioTracks()[0];
    if (!track || (tile.meter && tile.meter.track === track)) return;
    try {
      if (!this.audio) this.audio = new AudioContext();
      if (tile.meter) tile.meter.source.disconnect();
      const source = this.audio.createMediaStreamSource(new MediaStream([track]));
      const analyser = this.audio.createAnalyser();
      analyser.fftSize = 512;
      source.connect(analyser);
      tile.meter = { track, source, analyser, data: new Uint8Array(analyser.fftSize) };
      if (!this.meter) this.meter = setInterval(() => this._measure(), METER_INTERVAL_MS);
    } catch {
      tile.meter = null; // no WebAudio: no speaking ring, everything else works
    }
  }

  _measure() {
    for (const tile of this.tiles.values()) {
      if (!tile.meter) continue;
      const { analyser, data, track } = tile.meter;
      analyser.getByteTimeDomainData(data);
      let sum = 0;
      for (const value of data) sum += ((value - 128) / 128) ** 2;
      const speaking = track.enabled && track.readyState === 'live' && Math.sqrt(sum / data.length) > SPEAKING_LEVEL;
      tile.root.classList.toggle('speaking', speaking);
      tile.root.dataset.speaking = String(speaking);
    }
  }

  destroy() {
    clearInterval(this.meter);
    this.meter = null;
    for (const participantId of [...this.tiles.keys()]) this.remove(participantId);
    if (this.audio) this.audio.close().catch(() => {});
    this.audio = null;
  }
}

function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  return (parts.slice(0, 2).map((p) => [...p][0]).join('') || '?').toUpperCase();
}
