// The Activities panel: polls, questions (Q&A) and the shared notes of docs/PROTOCOL.md §7, so a
// person on this page takes part in what the host (here or on the original's page) starts.
//
// Everyone votes, asks and upvotes; the host also starts and ends polls, answers and dismisses
// questions and writes the notes. What happened before this page joined is not sent to a seat
// (as in onepizza); a host's page loads it over REST with its x-admin-token.
import { api, h, say } from '../common.js';

const MAX_QUESTIONS_SHOWN = 500;
const NOTES_DELAY_MS = 400; // the server takes at most 5 note updates a second

function optionsFrom(text) {
  return text.split('\n').map((line) => line.trim()).filter(Boolean);
}

export class Activities {
  constructor({ socket, state, els, onNews }) {
    this.socket = socket;
    this.state = state;
    this.els = els;
    this.onNews = onNews; // something arrived while the panel may be closed
    this.polls = new Map(); // id → {question, options, results, totalVotes, isActive, mine}
    this.questions = new Map(); // id → {text, askedBy, upvoteCount, isAnswered, answer, answeredBy, upvoted}
    this.notesTimer = null;
    this.notesPending = null; // an update that arrived while this host was typing

    // The server decides what a poll may be (store/rooms); the form is cleared when the poll
    // arrives, and kept, with the server's reason, when it is refused (see `refused`).
    els.pollForm.addEventListener('submit', (event) => {
      event.preventDefault();
      say(els.pollStatus, '');
      socket.emit('poll:create', { question: els.pollQuestion.value, options: optionsFrom(els.pollOptions.value) });
    });
    els.qaForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = els.qaInput.value.trim();
      if (!text) return;
      socket.emit('qa:ask', { text });
      els.qaInput.value = '';
    });
    els.notesText.addEventListener('input', () => {
      if (!this.state.isAdmin) return;
      clearTimeout(this.notesTimer);
      this.notesTimer = setTimeout(() => this._sendNotes(), NOTES_DELAY_MS);
    });
    els.notesText.addEventListener('blur', () => {
      if (this.notesTimer) { clearTimeout(this.notesTimer); this._sendNotes(); }
      if (this.notesPending) { this._showNotes(this.notesPending); this.notesPending = null; }
    });

    socket.on('poll:created', (poll = {}) => {
      if (typeof poll.id !== 'string' || !Array.isArray(poll.options)) return;
      this.polls.set(poll.id, {
        question: String(poll.question || ''), options: poll.options, results: null, totalVotes: 0,
        isActive: poll.isActive !== false, mine: null,
      });
      if (this.state.isAdmin && poll.question === els.pollQuestion.value.trim()) els.pollForm.reset();
      this._renderPolls();
      this.onNews();
    });
    const tallied = ({ pollId, results, totalVotes } = {}, ended) => {
      const poll = this.polls.get(pollId);
      if (!poll) return;
      if (Array.isArray(results)) poll.results = results;
      poll.totalVotes = Number(totalVotes) || 0;
      if (ended) poll.isActive = false;
      this._renderPolls();
      if (ended) this.onNews();
    };
    socket.on('poll:updated', (data) => tallied(data, false));
    socket.on('poll:ended', (data) => tallied(data, true));

    socket.on('qa:new', (q = {}) => {
      if (typeof q.id !== 'string') return;
      this.questions.set(q.id, { ...q, upvoted: false });
      while (this.questions.size > MAX_QUESTIONS_SHOWN) this.questions.delete(this.questions.keys().next().value);
      this._renderQuestions();
      this.onNews();
    });
    socket.on('qa:updated', (change = {}) => {
      const q = this.questions.get(change.questionId);
      if (!q) return;
      if (change.dismissed) this.questions.delete(change.questionId);
      else Object.assign(q, pick(change, ['upvoteCount', 'isAnswered', 'answer', 'answeredBy']));
      this._renderQuestions();
    });

    socket.on('notes:updated', (notes = {}) => {
      if (document.activeElement === els.notesText && this.state.isAdmin) this.notesPending = notes;
      else this._showNotes(notes);
    });
  }

  // A refused poll is explained next to its form; true when this panel showed the error.
  refused(event, message) {
    if (event !== 'poll:create') return false;
    say(this.els.pollStatus, message, 'error');
    return true;
  }

  // After `joined`: the host's controls, and (for a host) what the meeting already has.
  async joined() {
    const host = this.state.isAdmin;
    this.els.pollForm.hidden = !host;
    this.els.notesText.readOnly = !host;
    this.els.notesHint.textContent = host ? 'Everyone sees what you write here.' : 'Only the host can edit the notes.';
    this._renderPolls();
    this._renderQuestions();
    if (!host || !this.state.adminToken) return;
    const base = `/api/meetings/${encodeURIComponent(this.state.meetingId)}`;
    const headers = { 'x-admin-token': this.state.adminToken };
    try {
      const [polls, questions, notes] = await Promise.all([
        api(`${base}/polls`, { headers }), api(`${base}/questions`, { headers }), api(`${base}/notes`, { headers }),
      ]);
      for (const poll of polls.polls || []) {
        const known = this.polls.get(poll.id);
        this.polls.set(poll.id, { ...poll, mine: known ? known.mine : null });
      }
      for (const q of questions.questions || []) {
        const known = this.questions.get(q.id);
        this.questions.set(q.id, { ...q, upvoted: known ? known.upvoted : false });
      }
      if (notes && typeof notes.content === 'string' && document.activeElement !== this.els.notesText) this._showNotes(notes);
      this._renderPolls();
      this._renderQuestions();
    } catch {
      // Live events still arrive; the history is a convenience.
    }
  }

  _sendNotes() {
    this.notesTimer = null;
    this.socket.emit('notes:update', { content: this.els.notesText.value });
  }

  _showNotes({ content, lastUpdatedBy }) {
    this.els.notesText.value = typeof content === 'string' ? content : '';
    this.els.notesBy.textContent = lastUpdatedBy ? `Last edited by ${lastUpdatedBy}` : '';
  }

  _renderPolls() {
    const host = this.state.isAdmin;
    const items = [...this.polls].reverse().map(([id, poll]) => {
      const counts = new Map((poll.results || []).map((r) => [r.id, Number(r.count) || 0]));
      const options = poll.options.map((option) => {
        const count = counts.get(option.id) || 0;
        const chosen = poll.mine === option.id;
        return h('li', {},
          h('button', {
            type: 'button', class: chosen ? 'poll-option chosen' : 'poll-option', 'data-testid': 'poll-option',
            'data-option-id': option.id, 'data-key': `${id}:${option.id}`, 'aria-pressed': String(chosen), disabled: !poll.isActive,
            onclick: () => {
              poll.mine = option.id;
              this.socket.emit('poll:vote', { pollId: id, optionId: option.id });
              this._renderPolls();
            },
          }, h('span', {}, String(option.text)), h('span', { class: 'poll-count', 'data-testid': 'poll-count' }, String(count))));
      });
      return h('li', { class: 'poll', 'data-testid': 'poll', 'data-poll-id': id },
        h('p', { class: 'poll-question' }, poll.question),
        h('ul', { class: 'poll-options', 'aria-label': `Options for: ${poll.question}` }, options),
        h('p', { class: 'muted small', 'data-testid': 'poll-total' },
          `${poll.totalVotes} ${poll.totalVotes === 1 ? 'vote' : 'votes'}${poll.isActive ? '' : ' · ended'}`),
        host && poll.isActive
          ? h('button', { type: 'button', 'data-testid': 'poll-end', 'data-key': `${id}:end`, onclick: () => this.socket.emit('poll:end', { pollId: id }) }, 'End poll')
          : null);
    });
    rerender(this.els.pollList, items);
    this.els.pollEmpty.hidden = this.polls.size > 0;
  }

  _renderQuestions() {
    const host = this.state.isAdmin;
    const items = [...this.questions].map(([id, q]) => {
      const asker = (q.askedBy && q.askedBy.name) || 'Anonymous';
      const answer = q.isAnswered
        ? h('p', { class: 'qa-answer', 'data-testid': 'qa-answer' }, `${q.answeredBy || 'Host'}: ${q.answer || 'Answered'}`)
        : null;
      let hostTools = null;
      if (host) {
        const input = h('input', { maxlength: 1000, 'data-key': `${id}:answer`, 'aria-label': `Answer to: ${q.text}`, 'data-testid': 'qa-answer-input' });
        hostTools = h('form', {
          class: 'qa-host', onsubmit: (event) => {
            event.preventDefault();
            this.socket.emit('qa:answer', { questionId: id, answer: input.value.trim() });
          },
        }, q.isAnswered ? null : [input, h('button', { type: 'submit', 'data-testid': 'qa-answer-button', 'data-key': `${id}:send` }, 'Answer')],
        h('button', { type: 'button', 'data-testid': 'qa-dismiss', 'data-key': `${id}:dismiss`, onclick: () => this.socket.emit('qa:dismiss', { questionId: id }) }, 'Dismiss'));
      }
      return h('li', { class: 'question', 'data-testid': 'question', 'data-question-id': id },
        h('p', { class: 'qa-text' }, String(q.text)),
        h('p', { class: 'muted small' }, `Asked by ${asker}`),
        h('button', {
          type: 'button', class: 'qa-upvote', 'data-testid': 'qa-upvote', 'data-key': `${id}:upvote`, 'aria-pressed': String(Boolean(q.upvoted)),
          'aria-label': `Upvote (${Number(q.upvoteCount) || 0})`,
          onclick: () => { q.upvoted = !q.upvoted; this.socket.emit('qa:upvote', { questionId: id }); this._renderQuestions(); },
        }, `▲ ${Number(q.upvoteCount) || 0}`),
        answer, hostTools);
    });
    rerender(this.els.qaList, items);
    this.els.qaEmpty.hidden = this.questions.size > 0;
  }
}

// Replace a list's items without losing what a person is doing in it: the focused control (by its
// data-key) and any half-typed answer survive an update that someone else caused.
function rerender(list, items) {
  const focused = list.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  const typed = new Map([...list.querySelectorAll('input[data-key]')].map((input) => [input.dataset.key, input.value]));
  list.replaceChildren(...items);
  for (const input of list.querySelectorAll('input[data-key]')) {
    if (typed.has(input.dataset.key)) input.value = typed.get(input.dataset.key);
  }
  if (focused) {
    const again = [...list.querySelectorAll('[data-key]')].find((node) => node.dataset.key === focused);
    if (again) again.focus();
  }
}

function pick(source, names) {
  const out = {};
  for (const name of names) if (name in source) out[name] = source[name];
  return out;
}
