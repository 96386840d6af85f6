// Company: members and the invite code (owners), remove a member (owners), join with a code.
import { busy, button, byId, call, clear, el, say, sayError, secretBox, table, unavailable, when } from './dashboard-ui.js';

export function setUpCompany(me) {
  if (me.company_id === null || me.company_id === undefined) showJoinForm();
  else showMembers(me);
}

function showJoinForm() {
  const status = byId('company-status');
  const form = el('form', { id: 'company-join-form', class: 'inline-form' },
    el('label', { for: 'invite-code' }, 'Invite code'),
    el('input', { id: 'invite-code', name: 'inviteCode', maxlength: 100, autocomplete: 'off', required: true }),
    el('button', { type: 'submit' }, 'Join company'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const answer = await busy(form, () => call('POST', '/api/company/join', { inviteCode: form.inviteCode.value.trim() }));
      say(status, answer.message, 'ok');
      window.setTimeout(() => window.location.reload(), 800);
    } catch (error) {
      sayError(status, unavailable(error) ? new Error('Companies are not available on this server.') : error);
    }
  });
  clear(byId('company-body'),
    el('p', {}, 'You are not part of a company. A company shares one balance between its members.'), form);
}

async function showMembers(me) {
  const status = byId('company-status');
  const body = byId('company-body');
  const invite = me.invite_code
    ? secretBox('Invite code (give it to people who should join your company)', me.invite_code) : null;
  try {
    const { members, isOwner } = await call('GET', '/api/company/members');
    clear(body, el('p', {}, `Company: ${me.company_name || ''}`), invite, table([
      { label: 'Email', value: (m) => m.email },
      { label: 'Role', value: (m) => m.role || (m.id === me.id ? 'you' : 'member') },
      { label: 'Joined', value: (m) => when(m.joined_at || m.created_at) },
      { label: 'Credits used (USD)', value: (m) => m.credits_used },
      {
        label: 'Actions',
        value: (m) => (isOwner && m.id !== me.id
          ? button('Remove', () => removeMember(me, m), { class: 'danger', 'aria-label': `Remove ${m.email}` }) : ''),
      },
    ], members, { caption: 'Members', empty: 'No members.' }));
  } catch (error) {
    clear(body, el('p', {}, `Company: ${me.company_name || ''}`), invite);
    if (unavailable(error)) say(status, 'The member list is not available on this server.');
    else sayError(status, error);
  }
}

async function removeMember(me, member) {
  if (!window.confirm(`Remove ${member.email} from the company?`)) return;
  try {
    const answer = await call('DELETE', `/api/company/members/${encodeURIComponent(member.id)}`);
    say(byId('company-status'), answer.message, 'ok');
    await showMembers(me);
  } catch (error) {
    sayError(byId('company-status'), error);
  }
}
