// SFU media (docs/PROTOCOL.md §9): in a meeting whose settings.mediaMode is "sfu" this page has ONE
// RTCPeerConnection, with the server. It sends its microphone and camera on two send-only
// transceivers (and its screen on a third while sharing), and receives everyone else's tracks on
// transceivers the server adds in its own offers.
//
// Negotiation is "perfect negotiation" with this page as the polite peer: it offers from
// onnegotiationneeded (`sfu:offer`, answered by `sfu:answer`); an `sfu:offer` from the server that
// crosses its own offer wins (the page rolls back, answers, and negotiationneeded offers again).
// The server never trickles candidates (they are in its SDP); the page trickles its own.
//
// Remote media: `sfu:track-added` {participantId, kind, source, trackId, streamId} comes before the
// server offer that carries the track, whose `track` event has streams[0].id === streamId (a
// participant's microphone and camera share the stream `<participantId>`, its screen is
// `<participantId>~screen`). Each participant gets one display stream for its tile: its audio, and
// its screen if it shares one, else its camera. `sfu:track-removed` takes that media away.

const SCREEN_SUFFIX = '~screen';
const RESTART_DELAY_MS = 1000; // after sfu:closed or a failure; doubled on each retry that fails
const RESTART_DELAY_MAX_MS = 30000;
const IGNORED_OFFER_MS = 5000; // an ignored offer (ack {taken: false}) with no server offer after it

export class Sfu {
  constructor({ socket, media, onStream }) {
    this.socket = socket;
    this.media = media;
    this.iceServers = [{ urls: 'stun:stun.l.google.com:19302' }];
    this.onStream = onStream; // (participantId, MediaStream | null)
    this.pc = null;
    this.active = false;
    this.makingOffer = false;
    this.offer = null; // the page's offer the server has not answered yet
    this.chain = Promise.resolve(); // server descriptions, applied one at a time
    this.senders = new Map(); // source ('microphone' | 'camera' | 'screen') → transceiver
    this.screenStream = null;
    this.remotes = new Map(); // participantId → {audio, camera, screen, screenAudio, display}
    this.announced = new Map(); // streamId → participantId, from sfu:track-added
    this.restartTimer = null;
    this.retries = 0; // restarts since the connection last worked
  }

  // ---- the connection ----------------------------------------------------------------------
  start() {
    this.stop();
    this.active = true;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    this.chain = Promise.resolve();
    pc.addEventListener('icecandidate', (event) => {
      if (pc !== this.pc) return;
      const c = event.candidate;
      const candidate = c && c.candidate ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : null;
      this.socket.emit('sfu:ice-candidate', { candidate });
    });
    pc.addEventListener('track', (event) => { if (pc === this.pc) this._track(event); });
    pc.addEventListener('negotiationneeded', () => this._offer(pc));
    pc.addEventListener('connectionstatechange', () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === 'connected') this.retries = 0;
      // The server notices too and sends sfu:closed; this covers a server that cannot say so.
      if (pc.connectionState === 'failed') this._restart();
    });
    this._publish();
    // A page with nothing to send still offers, so the server creates its connection and then
    // offers everyone else's tracks.
    if (!this.senders.size) this._offer(pc);
  }

  // Close the connection and forget everyone's media (tiles stay; participant:left removes them).
  stop() {
    this.active = false;
    clearTimeout(this.restartTimer);
    if (this.pc) this.pc.close();
    this.pc = null;
    this.senders.clear();
    this.announced.clear();
    this.screenStream = null;
    this.makingOffer = false;
    for (const participantId of [...this.remotes.keys()]) this.forget(participantId);
  }

  // sfu:closed: the server ended this connection; start over while the meeting is still sfu.
  closed() {
    this._restart();
  }

  // Close this connection now and open a new one in a moment (longer after each failed retry).
  _restart() {
    if (!this.active) return;
    this.stop();
    this.active = true;
    this._restartSoon();
  }

  // An `error` about an sfu:* event: the media server is unavailable (try again in a moment), or
  // the meeting is not sfu any more (meeting:settings-updated switches this page to mesh).
  refused(code) {
    if (!this.active) return;
    if (code === 'not_sfu') this.stop();
    else if (code === 'media_unavailable' || code === 'invalid_sdp') this._restart();
  }

  _restartSoon() {
    clearTimeout(this.restartTimer);
    const delay = Math.min(RESTART_DELAY_MAX_MS, RESTART_DELAY_MS * 2 ** this.retries);
    this.retries += 1;
    this.restartTimer = setTimeout(() => { if (this.active) this.start(); }, delay);
  }

  // ---- what this page sends ------------------------------------------------------------------
  // Puts the current microphone, camera (or blurred camera) and screen on their senders: a new
  // track replaces the old one on the same transceiver (no renegotiation); a source that starts
  // or stops sending adds or retires a transceiver (the negotiationneeded handler offers).
  _publish() {
    const pc = this.pc;
    if (!pc) return;
    this._send('microphone', this.media.audioTrack, this.media.stream);
    this._send('camera', this.media.cameraTrack, this.media.stream);
    const screen = this.media.screen;
    if (screen && (!this.screenStream || !this.screenStream.getTracks().includes(screen))) this.screenStream = new MediaStream([screen]);
    this._send('screen', screen, this.screenStream);
  }

  sync() {
    if (this.pc) this._publish();
  }

  _send(source, track, stream) {
    const transceiver = this.senders.get(source);
    if (!transceiver || transceiver.stopped) {
      if (!track) return;
      this.senders.set(source, this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] }));
      return;
    }
    if (transceiver.sender.track === track) return;
    if (source !== 'screen') {
      // The microphone and camera keep their transceiver for the whole call.
      transceiver.sender.replaceTrack(track).catch(() => {});
      return;
    }
    if (!track) {
      this.pc.removeTrack(transceiver.sender); // direction → inactive: the publication ends
      return;
    }
    // A new share reuses the screen transceiver, under this share's stream.
    if (typeof transceiver.sender.setStreams === 'function') transceiver.sender.setStreams(stream);
    transceiver.sender.replaceTrack(track).catch(() => {});
    transceiver.direction = 'sendonly';
  }

  // sources for sfu:offer: the msid track id of each transceiver this page sends on.
  _sources(sdp) {
    const sources = {};
    const sections = sdp.split(/\r?\n(?=m=)/);
    for (const [source, transceiver] of this.senders) {
      if (!transceiver.mid || transceiver.stopped || !transceiver.sender.track) continue;
      const section = sections.find((s) => new RegExp(`^a=mid:${escape(transceiver.mid)}\\r?$`, 'm').test(s));
      const msid = section && section.match(/^a=msid:\S+ (\S+)\r?$/m);
      if (msid) sources[msid[1]] = source;
    }
    return sources;
  }

  // ---- negotiation ---------------------------------------------------------------------------
  async _offer(pc) {
    if (pc !== this.pc || pc.signalingState === 'closed') return;
    try {
      this.makingOffer = true;
      await pc.setLocalDescription();
      // A server offer that came meanwhile rolled this one back: negotiationneeded fires again.
      if (pc !== this.pc || pc.signalingState !== 'have-local-offer') return;
      const { sdp } = pc.localDescription;
      const offer = {}; // this offer, until the server answers it or offers instead
      this.offer = offer;
      this.socket.emit('sfu:offer', { sdp, sources: this._sources(sdp) }, (ack) => this._offerAck(pc, offer, ack));
    } catch (error) {
      console.warn('SFU offer failed', error);
    } finally {
      this.makingOffer = false;
    }
  }

  // {taken: false}: the server ignored this offer for its own, which is on its way and rolls this
  // one back (handleOffer). If none comes, the server has no usable connection for this page:
  // start over.
  _offerAck(pc, offer, ack) {
    if (!ack || ack.taken !== false) return;
    setTimeout(() => {
      if (pc !== this.pc || this.offer !== offer || pc.signalingState !== 'have-local-offer') return;
      console.warn('The SFU ignored this offer and sent none of its own; reconnecting');
      this._restart();
    }, IGNORED_OFFER_MS);
  }

  handleAnswer({ sdp } = {}) {
    const pc = this.pc;
    if (!pc || typeof sdp !== 'string') return;
    this.offer = null;
    this._queue(pc, async () => {
      if (pc !== this.pc || pc.signalingState !== 'have-local-offer') return; // an answer to an offer rolled back
      await pc.setRemoteDescription({ type: 'answer', sdp });
    });
  }

  handleOffer({ sdp } = {}) {
    const pc = this.pc;
    if (!pc || typeof sdp !== 'string') return;
    this.offer = null;
    this._queue(pc, async () => {
      if (pc !== this.pc) return;
      // Polite: the server's offer wins over one of ours (rolled back explicitly when it is
      // already set, implicitly by setRemoteDescription when it is being set right now).
      if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription();
      if (pc !== this.pc) return;
      this.socket.emit('sfu:answer', { sdp: pc.localDescription.sdp });
    });
  }

  _queue(pc, work) {
    this.chain = this.chain.then(work).catch((error) => {
      if (pc !== this.pc) return; // a connection closed meanwhile
      console.warn('SFU negotiation failed', error);
      this._restart(); // start over with a new connection
    });
  }

  // ---- what this page receives ---------------------------------------------------------------
  // Whose stream the track event that follows belongs to (the stream id also says it).
  trackAdded({ participantId, streamId } = {}) {
    if (typeof participantId === 'string' && typeof streamId === 'string') this.announced.set(streamId, participantId);
  }

  trackRemoved({ participantId, kind, source } = {}) {
    const remote = this.remotes.get(participantId);
    if (!remote) return;
    remote[slotOf(kind, source)] = null;
    this._render(participantId, remote);
  }

  _track(event) {
    const stream = event.streams[0];
    if (!stream) return;
    const screen = stream.id.endsWith(SCREEN_SUFFIX);
    const participantId = this.announced.get(stream.id) || (screen ? stream.id.slice(0, -SCREEN_SUFFIX.length) : stream.id);
    const { track } = event;
    const slot = track.kind === 'audio' ? (screen ? 'screenAudio' : 'audio') : (screen ? 'screen' : 'camera');
    // A transceiver (and its receiver track) is reused for another publisher after one leaves.
    for (const [otherId, other] of this.remotes) {
      for (const key of SLOTS) {
        if (other[key] === track && (otherId !== participantId || key !== slot)) {
          other[key] = null;
          this._render(otherId, other);
        }
      }
    }
    const remote = this._remote(participantId);
    remote[slot] = track;
    this._render(participantId, remote);
  }

  _remote(participantId) {
    let remote = this.remotes.get(participantId);
    if (!remote) {
      remote = { audio: null, camera: null, screen: null, screenAudio: null, display: new MediaStream() };
      this.remotes.set(participantId, remote);
    }
    return remote;
  }

  // The tile's stream: the participant's sound, and its screen while it shares one, else its camera.
  _render(participantId, remote) {
    const wanted = [remote.audio, remote.screenAudio, remote.screen || remote.camera].filter(Boolean);
    const { display } = remote;
    for (const track of display.getTracks()) if (!wanted.includes(track)) display.removeTrack(track);
    for (const track of wanted) if (!display.getTracks().includes(track)) display.addTrack(track);
    this.onStream(participantId, display);
  }

  streamOf(participantId) {
    const remote = this.remotes.get(participantId);
    return remote ? remote.display : null;
  }

  // Someone left: no media of theirs is kept.
  forget(participantId) {
    if (!this.remotes.delete(participantId)) return;
    this.onStream(participantId, null);
  }
}

const SLOTS = ['audio', 'camera', 'screen', 'screenAudio'];

function slotOf(kind, source) {
  if (kind === 'screen') return 'screen';
  if (kind === 'audio') return source === 'screen-audio' ? 'screenAudio' : 'audio';
  return 'camera';
}

function escape(text) {
  return String(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
