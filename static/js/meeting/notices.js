// Short notices (toasts) in an aria-live region, and the recording consent banner.
import { h } from '../common.js';

const NOTICE_MS = 5000;

export function notify(region, message, kind = 'info') {
  const item = h('p', { class: `notice ${kind}`, 'data-testid': 'notice' }, message);
  region.append(item);
  setTimeout(() => item.remove(), NOTICE_MS);
  while (region.children.length > 4) region.firstElementChild.remove();
}

export class RecordingBanner {
  constructor(banner, text, dismiss) {
    this.banner = banner;
    this.text = text;
    dismiss.addEventListener('click', () => { this.banner.hidden = true; });
  }

  show(hostName) {
    const who = hostName ? ` by ${hostName}` : '';
    this.text.textContent = `This meeting is being recorded${who}. By staying you consent to being recorded.`;
    this.banner.hidden = false;
  }

  hide() {
    this.banner.hidden = true;
  }
}
