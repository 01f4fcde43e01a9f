/**
 * The sandbox has no Studio UI; the links the bot makes ("Open in Studio", a run's log) land here
 * on a page that says what they would open in Studio, and shows the object as the sandbox knows it.
 */
import type { ServerResponse } from 'node:http';
import { runStatus } from '../studio/enums.js';
import type { SandboxStore } from './store.js';

const esc = (t: unknown) => String(t ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, lines: string[]): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} — Studio sandbox</title>
<style>body{font:15px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:760px;margin:40px auto;color:#1d1c1d} .note{background:#fff8e1;border:1px solid #f0d98c;padding:10px 14px;border-radius:6px} dt{font-weight:700;float:left;width:170px} dd{margin:0 0 4px 170px}</style></head>
<body><p class="note">This is the <b>embedded Studio sandbox</b>, not Studio: it has no UI. With a real workspace, this link opens the page described below in Lakehouse Studio.</p><h1>${esc(title)}</h1>${lines.join('')}</body></html>`);
}

const dl = (rows: [string, unknown][]) =>
  `<dl>${rows
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('')}</dl>`;
const when = (ms: number | null) => (ms ? `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC` : '');

/** Answers GET /ops/taskInst/<run> and GET /ide?…fileId=<task>; false when the path is not one of them. */
export function studioUiPage(path: string, query: URLSearchParams, store: SandboxStore, res: ServerResponse): boolean {
  const run = /^\/ops\/taskInst\/(\d+)$/.exec(path);
  if (run) {
    const r = store.run(Number(run[1]));
    const t = r ? store.task(r.task_id) : undefined;
    const tab = query.get('tab') === 'executeLog' ? 'its Execution log tab' : 'its Overview tab';
    if (!r)
      page(res, 404, `Run ${run[1]}`, [
        `<p>In Studio this opens the run (task instance) ${esc(run[1])} under Operations → Task instances, on ${tab}. The sandbox has no such run.</p>`,
      ]);
    else
      page(res, 200, `Run ${r.id} of ${t?.name ?? r.task_id}`, [
        `<p>In Studio this opens the run under Operations → Task instances, on ${tab}.</p>`,
        dl([
          ['Task', t ? `${t.name} (id ${t.id})` : r.task_id],
          ['Business date', r.biz_date],
          ['Planned', when(r.plan_time)],
          ['Started', when(r.start_time)],
          ['Ended', when(r.end_time)],
          ['Status', runStatus(r.status).label],
          ['Failure', r.fail_msg],
        ]),
      ]);
    return true;
  }
  if (path === '/ide' && query.get('fileId')) {
    const id = Number(query.get('fileId'));
    const t = Number.isFinite(id) ? store.task(id) : undefined;
    const where = `the task's editor in the Development (IDE) view of workspace ${query.get('workspace_name') ?? ''}`;
    if (!t) page(res, 404, `Task ${query.get('fileId')}`, [`<p>In Studio this opens ${esc(where)}. The sandbox has no such task.</p>`]);
    else {
      const folder = store.folder(t.folder_id);
      page(res, 200, `Task ${t.name}`, [
        `<p>In Studio this opens ${esc(where)}: its SQL, schedule and dependencies.</p>`,
        dl([
          ['Task', `${t.name} (id ${t.id})`],
          ['Folder', folder?.name],
          ['Owner', t.owner],
        ]),
      ]);
    }
    return true;
  }
  return false;
}
