import type { QueueInspector } from '@weixin3rd/queues';
import { bi, esc, form, time } from './html.js';

/** Failed jobs per queue with the reason and a retry button; the full dashboard is /queues. */
export async function jobsPage(queues: readonly QueueInspector[], csrf: string): Promise<string> {
  const sections = await Promise.all(
    queues.map(async (q) => {
      const [count, jobs] = await Promise.all([q.failedCount(), q.failedJobs(50)]);
      const rows = jobs
        .map(
          (
            j,
          ) => `<tr class="failed-job" data-queue="${esc(q.name)}" data-id="${esc(j.id)}"><td class="mono">${esc(j.id)}</td><td>${esc(j.name)}</td>
<td class="reason bad">${esc(j.failedReason)}</td><td>${j.attemptsMade}</td><td>${time(j.finishedOn ? new Date(j.finishedOn) : null)}</td>
<td class="mono small data">${esc(JSON.stringify(j.data).slice(0, 160))}</td>
<td>${form(`/admin/jobs/${encodeURIComponent(q.name)}/${encodeURIComponent(j.id)}/retry`, csrf, `<button type="submit" class="retry">${bi('重试', 'Retry')}</button>`, ' class="inline"')}</td></tr>`,
        )
        .join('');
      return `<section class="card queue" data-queue="${esc(q.name)}"><h2><span class="mono">${esc(q.name)}</span> <span class="pill ${count ? 'bad' : 'ok'}">${count} ${bi('失败', 'failed')}</span></h2>${
        count
          ? `<div class="scroll"><table><thead><tr><th>ID</th><th>${bi('任务', 'Job')}</th><th>${bi('原因', 'Reason')}</th><th>${bi('尝试', 'Attempts')}</th><th>${bi('失败时间', 'Failed at')}</th><th>${bi('数据', 'Data')}</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`
          : `<span class="muted">${bi('没有失败的任务', 'No failed job')}</span>`
      }</section>`;
    }),
  );
  return `<p><a class="button" href="/queues" id="open-queues">${bi('打开队列面板', 'Open the queue dashboard')} →</a></p>${sections.join('')}`;
}
