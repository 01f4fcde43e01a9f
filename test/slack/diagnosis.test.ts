/** /cz explain, /cz types, the Diagnose button and the message shortcut, through the HTTP receiver. */
import { describe, expect, it } from 'vitest';
import { diagnoseRun } from '../../src/ops/diagnosis.js';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness(); // closed after the file, with no Block Kit limit broken

async function ask(text: string) {
  const r = await b.command(text, USERS.viewer);
  return visibleText(await b.answer(r.responseId));
}

/** The newest failed scheduled run of a task. */
function failedRunOf(task: string): number {
  return (
    b.sb.store.db
      .prepare('SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = ? AND r.status = 3 AND r.instance_type = 1 ORDER BY r.plan_time DESC')
      .get(task) as { id: number }
  ).id;
}

describe('/cz explain and /cz types', () => {
  it('explains a code with cause, ordered fix and checks', async () => {
    const text = await ask('explain SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION');
    expect(text).toContain('A DDL task was given a schedule or dependencies');
    expect(text).toContain('1. Clear the DDL task');
    expect(text).toContain('`schedule.ddl_has_children`');
  });

  it('diagnoses free text, in Chinese too', async () => {
    expect(await ask('explain SQL 执行失败: 表或视图不存在 ecommerce_dwd.orders_detail')).toContain('Table or view not found');
    const unknown = await ask('explain the exporter crashed with weird things');
    expect(unknown).toContain('No known cause matched');
  });

  it('a pasted backtick does not end the code early, and the reply does not suggest /cz explain to itself', async () => {
    const r = await b.command('explain ERROR: relation "x" does not exist near `oops`', USERS.viewer);
    const answer = await b.answer(r.responseId);
    const text = visibleText(answer);
    // Every line quoted from the text is one code span: no backtick of the text inside it.
    expect(text).toMatch(/line 1: `ERROR: relation "x" does not exist near ˋoopsˋ`/);
    expect(text).not.toContain('paste it after `/cz explain`');
    expect(text).toContain('Excerpts are redacted.');
  });

  it('with a cause found, the decisive lines name only the component (the taxonomy may read another kind)', async () => {
    // A scheduled DDL run again: the entry says "already exists"; the taxonomy reads the wrapper's CZLH-42000 as syntax.
    const click = await b.click('run_diagnose', String(failedRunOf('ddl_create_tables')), USERS.viewer);
    const text = visibleText(await b.answer(click.responseId));
    expect(text).toContain('CREATE TABLE ran again on a table that exists');
    expect(text).toMatch(/Decisive lines? \([^),]+\):/);
    expect(text).not.toMatch(/Decisive lines? \([^)]*, Syntax/);
  });

  it('shows type mappings for a source, and lists the known ones otherwise', async () => {
    const mysql = await ask('types MySQL');
    expect(mysql).toContain('`BIT(1)` → ODS `TINYINT` (not BOOLEAN) → DWD CAST(col AS BOOLEAN)');
    expect(await ask('types pg')).toContain('`money` → ODS `DECIMAL(19,4)`');
    expect(await ask('types oracle')).toContain('Known sources: `mysql`, `postgresql`, `sqlserver`');
  });
});

describe('Diagnose button and message shortcut', () => {
  it('the Diagnose button on a run diagnoses its whole log with the run as context, redacted', async () => {
    const runId = failedRunOf('cdc_mysql_shop');
    const r = await b.command(`run ${runId}`, USERS.viewer);
    const detail = await b.answer(r.responseId);
    expect(JSON.stringify(detail.blocks)).toContain('"action_id":"run_diagnose"');
    const click = await b.click('run_diagnose', String(runId), USERS.viewer);
    const answer = await b.answer(click.responseId);
    const text = visibleText(answer);
    // The command that shows the top cause, not a placeholder (`<code>` read as a link showed "explain 0").
    expect(text).toContain('`/cz explain cdc.max_allowed_packet`');
    expect(text).toContain('Binlog event larger than max_allowed_packet');
    expect(text).toContain('`cdc.max_allowed_packet`');
    expect(text).toMatch(/line \d+: `[^`]*io\.debezium\.DebeziumException: log event entry exceeded max_allowed_packet/);
    expect(text).not.toContain('kf-7Hq2!secret'); // the SASL password in that log
    // The sandbox's page for the run (where "Open in Studio" leads) names its status.
    const page = await (await fetch(`${b.sb.url}/ops/taskInst/${runId}`)).text();
    expect(page).not.toContain('[object Object]');
    expect(page).toMatch(/Status[^A-Z]*FAILED/);
  });

  it('a scheduled run failing on a syntax error is diagnosed as one, not as the ${bizdate} in its SQL listing', async () => {
    const run = b.sb.store.db
      .prepare("SELECT r.id, r.biz_date AS bizDate FROM runs r WHERE r.failure_id = 'sql_syntax' AND r.instance_type = 1 AND r.status = 3 ORDER BY r.id DESC")
      .get() as { id: number; bizDate: string };
    const click = await b.click('run_diagnose', String(run.id), USERS.viewer);
    const text = visibleText(await b.answer(click.responseId));
    const first = /\*([^*]+)\* `([a-z_.]+)`/.exec(text);
    expect(first?.[2]).toBe('engine.sql_syntax');
    expect(text).toContain("Syntax error at or near 'FORM'");
    // Its check names the task itself, not a placeholder.
    expect(text).toContain('`cz-cli task execute 04_transform_ods_to_dwd`');
  });

  it('a diagnosis knows the table the task writes, from its SQL', async () => {
    const run = b.sb.store.db.prepare("SELECT r.id FROM runs r WHERE r.failure_id = 'sql_syntax' ORDER BY r.id DESC").get() as { id: number };
    const r = await diagnoseRun(b.client, b.bot.services.diagnoser, run.id);
    expect(r.outputTable).toBe('ecommerce_dwd.orders_detail'); // INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail … in the demo task
  });

  it('/cz diagnose <run-id> answers as the Diagnose button does; an unknown run is refused clearly', async () => {
    const runId = failedRunOf('cdc_mysql_shop');
    const text = await ask(`diagnose ${runId}`);
    expect(text).toContain(`Diagnosis of run ${runId}`);
    expect(text).toContain('Binlog event larger than max_allowed_packet');
    expect(text).not.toContain('kf-7Hq2!secret');
    expect(await ask('diagnose 99999999')).toMatch(/99999999/);
    expect(await ask('diagnose yesterday')).toMatch(/run id|run-id/i);
  });

  it('the shortcut finds a Studio run link in any message and answers in its thread', async () => {
    const runId = failedRunOf('github_clean');
    const posts = b.slack.callsOf('chat.postMessage').length;
    const msg = { text: `:rotating_light: Airflow mirror: Studio task failed, see ${b.sb.url}/ops/taskInst/${runId}`, user: 'UOTHERBOT' };
    expect((await b.shortcut('diagnose_message', msg, USERS.viewer)).status).toBe(200);
    const post = await b.slack.waitForCall('chat.postMessage', posts);
    expect(post.args).toMatchObject({ channel: 'CALERTS', thread_ts: '1700000100.000200' });
    expect(visibleText(post.args)).toContain(`Diagnosis of run ${runId}`);
    expect(visibleText(post.args)).toContain('Python KeyError on a missing field');
  });

  it('the shortcut diagnoses the text itself when it names no run', async () => {
    const posts = b.slack.callsOf('chat.postMessage').length;
    const msg = {
      text: 'pager: CDC job failed',
      attachments: [
        {
          fallback: "io.debezium.DebeziumException: A slave with the same server_uuid/server_id as this slave has connected to the master; the first event 'mysql-bin.000101' at 4",
        },
      ],
    };
    await b.shortcut('diagnose_message', msg, USERS.viewer);
    const post = await b.slack.waitForCall('chat.postMessage', posts);
    expect(visibleText(post.args)).toContain('Another binlog reader uses the same server id');
  });
});
