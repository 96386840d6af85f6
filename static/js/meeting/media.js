// This browser's camera, microphone, screen and the video effect: what the page sends.
//
// `stream` always holds the outgoing audio track and the outgoing video track (camera, blurred
// camera or screen); the local tile shows it. Switching any of them calls `onVideoChange` /
// `onAudioChange` so the peer connections swap the track with replaceTrack (no renegotiation;
// in an SFU meeting the screen has a sender of its own, see sfu.js).

const VIDEO = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } };

export class LocalMedia {
  constructor() {
    this.stream = new MediaStream();
    this.mic = null;
    this.camera = null;
    this.screen = null;
    this.blur = null; // {track, timer, video}
    this.muted = false;
    this.videoOff = false;
    this.onVideoChange = () => {};
    this.onAudioChange = () => {};
    this.onScreenEnded = () => {};
  }

  get audioTrack() { return this.mic; }

  get videoTrack() {
    return this.screen || this.cameraTrack;
  }

  // The camera as sent (blurred or not), without the screen: an SFU sends the screen beside it.
  get cameraTrack() {
    return this.blur ? this.blur.track : this.camera;
  }

  // Ask for both devices; fall back to one, then none, so a person without a camera still joins.
  async start({ audioId = '', videoId = '' } = {}) {
    const audio = audioId ? { deviceId: { exact: audioId } } : true;
    const video = videoId ? { ...VIDEO, deviceId: { exact: videoId } } : VIDEO;
    const attempts = [{ audio, video }, { audio }, { video }];
    let problem = null;
    for (const constraints of attempts) {
      try {
        const got = await navigator.mediaDevices.getUserMedia(constraints);
        this.mic = got.getAudioTracks()[0] || null;
        this.camera = got.getVideoTracks()[0] || null;
        this._apply();
        this._rebuild();
        return problem;
      } catch (error) {
        problem = problem || error;
      }
    }
    return problem || new Error('No camera or microphone');
  }

  async devices() {
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      return {
        cameras: all.filter((d) => d.kind === 'videoinput'),
        mics: all.filter((d) => d.kind === 'audioinput'),
      };
    } catch {
      return { cameras: [], mics: [] };
    }
  }

  async switchDevice(kind, deviceId) {
    const constraints = kind === 'audio'
      ? { audio: { deviceId: { exact: deviceId } } }
      : { video: { ...VIDEO, deviceId: { exact: deviceId } } };
    const got = await navigator.mediaDevices.getUserMedia(constraints);
    const track = kind === 'audio' ? got.getAudioTracks()[0] : got.getVideoTracks()[0];
    if (kind === 'audio') {
      if (this.mic) this.mic.stop();
      this.mic = track;
      this._apply();
      this._rebuild();
      this.onAudioChange(this.mic);
    } else {
      if (this.camera) this.camera.stop();
      this.camera = track;
      if (this.blur) this._startBlur();
      this._apply();
      this._rebuild();
      this.onVideoChange(this.videoTrack);
    }
  }

  setMuted(muted) {
    this.muted = muted;
    this._apply();
  }

  setVideoOff(off) {
    this.videoOff = off;
    this._apply();
  }

  _apply() {
    if (this.mic) this.mic.enabled = !this.muted;
    if (this.camera) this.camera.enabled = !this.videoOff;
  }

  async shareScreen() {
    const got = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    this.screen = got.getVideoTracks()[0];
    this.screen.addEventListener('ended', () => {
      if (this.screen) {
        this.stopScreen();
        this.onScreenEnded();
      }
    });
    this._rebuild();
    this.onVideoChange(this.videoTrack);
  }

  stopScreen() {
    if (!this.screen) return;
    this.screen.stop();
    this.screen = null;
    this._rebuild();
    this.onVideoChange(this.videoTrack);
  }

  // Background blur without a segmentation model: the whole camera frame is blurred on a canvas
  // (a privacy screen for the room behind you, not a cut-out of the person). Honest and cheap.
  setBlur(on) {
    if (on && !this.blur && this.camera) this._startBlur();
    if (!on && this.blur) this._stopBlur();
    this._rebuild();
    this.onVideoChange(this.videoTrack);
    return Boolean(this.blur);
  }

  _startBlur() {
    this._stopBlur();
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([this.camera]);
    video.play().catch(() => {});
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const context = canvas.getContext('2d');
    // A timer, not requestAnimationFrame: frames must keep flowing when the tab is in the background.
    const timer = setInterval(() => {
      const { videoWidth: w, videoHeight: h } = video;
      if (!w || !h) return;
      if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
      context.filter = 'blur(12px)';
      context.drawImage(video, 0, 0, w, h);
    }, 1000 / 15);
    this.blur = { track: canvas.captureStream(15).getVideoTracks()[0], timer, video };
  }

  _stopBlur() {
    if (!this.blur) return;
    clearInterval(this.blur.timer);
    this.blur.track.stop();
    this.blur.video.srcObject = null;
    this.blur = null;
  }

  _rebuild() {
    for (const track of this.stream.getTracks()) this.stream.removeTrack(track);
    if (this.mic) this.stream.addTrack(this.mic);
    if (this.videoTrack) this.stream.addTrack(this.videoTrack);
  }

  stop() {
    this._stopBlur();
    for (const track of [this.mic, this.camera, this.screen]) if (track) track.stop();
    this.mic = this.camera = this.screen = null;
    this._rebuild();
  }
}
