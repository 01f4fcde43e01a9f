/**
 * The storm scenario (bench/storm.ts) in a process of its own, so bench/distance.ts can give up on
 * it after a while: on PostgreSQL the synchronous store blocks its thread for every statement, and a
 * run far from the database takes many minutes. argv[2]: the database (default SQLite in memory).
 * Prints {"polledMs":N} as soon as the poll ends, then {"result":{…}} (runStormBench's figures).
 */
import { runStormBench } from './storm.js';

const database = process.argv[2] ?? ':memory:';
const result = await runStormBench(database, { onPolled: (polledMs) => process.stdout.write(`${JSON.stringify({ polledMs })}\n`) });
process.stdout.write(`${JSON.stringify({ result })}\n`);
process.exit(0);
