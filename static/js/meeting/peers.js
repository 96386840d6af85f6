// The full WebRTC mesh (research §9.3): one RTCPeerConnection per other participant.
//
// The newcomer is the initiator towards everyone already present: it adds one audio and one
// video transceiver (with or without a track) and offers from onnegotiationneeded. The other
// side answers, putting its own tracks on the transceivers the offer created. Only initiators
// ever offer (also for ICE restarts), so the two sides never offer at once. Track changes
// (screen share, blur, device switch) use replaceTrack and need no renegotiation.

export class Mesh {
  constructor({ socket, media, onTrack, onClosed }) {
    this.socket = socket;
    this.media = media;
    this.iceServers = [{ urls: 'stun:stun.l.google.com:19302' }];
    this.onTrack = onTrack;
    this.onClosed = onClosed;
    this.peers = new Map();
  }

  connect(participantId, initiator) {
    const existing = this.peers.get(participantId);
    if (existing) return existing;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const peer = { pc, initiator, ready: false, pending: [], stream: new MediaStream(), restartTimer: null };
    this.peers.set(participantId, peer);

    pc.addEventListener('icecandidate', (event) => {
      if (event.candidate) {
        this.socket.emit('signal:ice-candidate', { to: participantId, candidate: event.candidate.toJSON() });
      }
    });
    pc.addEventListener('track', (event) => {
      for (const old of peer.stream.getTracks().filter((t) => t.kind === event.track.kind)) peer.stream.removeTrack(old);
      peer.stream.addTrack(event.track);
      this.onTrack(participantId, peer.stream);
    });
    pc.addEventListener('iceconnectionstatechange', () => this._watchIce(participantId, peer));
    if (initiator) {
      pc.addEventListener('negotiationneeded', () => this._offer(participantId, peer));
      pc.addTransceiver(this.media.audioTrack || 'audio', { direction: 'sendrecv' });
      pc.addTransceiver(this.media.videoTrack || 'video', { direction: 'sendrecv' });
    }
    return peer;
  }

  async _offer(participantId, peer) {
    try {
      await peer.pc.setLocalDescription();
      const { type, sdp } = peer.pc.localDescription;
      this.socket.emit('signal:offer', { to: participantId, offer: { type, sdp } });
    } catch (error) {
      console.warn('offer failed', error);
    }
  }

  async handleOffer(from, offer) {
    const peer = this.connect(from, false);
    const { pc } = peer;
    try {
      await pc.setRemoteDescription(offer);
      for (const transceiver of pc.getTransceivers()) {
        if (transceiver.sender.track || transceiver.stopped) continue;
        const kind = transceiver.receiver.track.kind;
        transceiver.direction = 'sendrecv';
        await transceiver.sender.replaceTrack(kind === 'audio' ? this.media.audioTrack : this.media.videoTrack);
      }
      await pc.setLocalDescription();
      const { type, sdp } = pc.localDescription;
      this.socket.emit('signal:answer', { to: from, answer: { type, sdp } });
      this._ready(peer);
    } catch (error) {
      console.warn('answering an offer failed', error);
    }
  }

  async handleAnswer(from, answer) {
    const peer = this.peers.get(from);
    if (!peer || peer.pc.signalingState !== 'have-local-offer') return;
    try {
      await peer.pc.setRemoteDescription(answer);
      this._ready(peer);
    } catch (error) {
      console.warn('applying an answer failed', error);
    }
  }

  handleCandidate(from, candidate) {
    const peer = this.peers.get(from);
    if (!peer || !candidate) return;
    if (!peer.ready) peer.pending.push(candidate);
    else peer.pc.addIceCandidate(candidate).catch(() => {});
  }

  _ready(peer) {
    peer.ready = true;
    for (const candidate of peer.pending.splice(0)) peer.pc.addIceCandidate(candidate).catch(() => {});
  }

  _watchIce(participantId, peer) {
    const state = peer.pc.iceConnectionState;
    if (!peer.initiator) return;
    if (state === 'failed') peer.pc.restartIce();
    if (state === 'disconnected') {
      clearTimeout(peer.restartTimer);
      peer.restartTimer = setTimeout(() => {
        if (this.peers.get(participantId) === peer && peer.pc.iceConnectionState === 'disconnected') peer.pc.restartIce();
      }, 3000);
    }
  }

  replaceTrack(kind, track) {
    for (const { pc } of this.peers.values()) {
      for (const transceiver of pc.getTransceivers()) {
        if (transceiver.stopped || transceiver.receiver.track.kind !== kind) continue;
        transceiver.sender.replaceTrack(track).catch(() => {});
      }
    }
  }

  close(participantId) {
    const peer = this.peers.get(participantId);
    if (!peer) return;
    clearTimeout(peer.restartTimer);
    peer.pc.close();
    this.peers.delete(participantId);
    this.onClosed(participantId);
  }

  closeAll() {
    for (const participantId of [...this.peers.keys()]) this.close(participantId);
  }
}
