// Admin: the analytics endpoints as plain tables, one block per endpoint.
import { call, clear, dataView, el } from './dashboard-ui.js';

const REPORTS = [
  ['Overview', '/admin/api/analytics/overview', (d) => d],
  ['Right now', '/admin/api/analytics/realtime', (d) => d],
  ['Features (30 days)', '/admin/api/analytics/features', (d) => d.features],
  ['Peak hours (UTC, 90 days)', '/admin/api/analytics/peak-hours', (d) => d.peakHours],
  ['Server health', '/admin/api/analytics/health', (d) => d],
];

export async function loadAnalytics(ctx) {
  const results = await Promise.allSettled(REPORTS.map(([, path]) => call('GET', path)));
  if (results.every((r) => r.status === 'rejected')) throw results[0].reason;
  clear(ctx.body, REPORTS.map(([title, , pick], i) => el('section', { class: 'report' },
    el('h3', {}, title),
    results[i].status === 'fulfilled' ? dataView(pick(results[i].value) ?? []) : el('p', { class: 'error' }, results[i].reason.message))));
}
