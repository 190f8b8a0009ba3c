/**
 * The sidebar's loops for following things, DOM-free: an experiment's log (long polls), a
 * background job of the server extension (an attach, an artifact download) and the metrics
 * of experiments being compared. The first two are the twins of
 * jupyter_grid_collab/log_follow.py and job_poll.py, which the CLI and the notebook panel
 * use; the third does what ``grid metrics --follow`` does.
 */

import { GridApiError } from './api';
import { allFinished } from './compare';
import { LogPage, MetricsPage } from './model';

export type Sleep = (ms: number) => Promise<void>;

const sleep: Sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Where the log pages come from: GridApi.logs. */
export type ReadLogs = (offset: number, wait: number) => Promise<LogPage>;

export interface FollowOptions {
  /** seconds one long poll waits for news (the server answers as soon as a line arrives) */
  wait?: number;
  /** checked before each request: the reader went away (its tab was closed) */
  stopped?: () => boolean;
  /** told about a failed request that will be retried, and how many failed in a row */
  onRetry?: (err: unknown, failures: number) => void;
  sleep?: Sleep;
}

/**
 * Every page of a log from its start until the experiment finishes (the last page carries
 * the final status). A request that fails is retried with backoff (1 s doubling to 30 s):
 * the server usually comes back. A 403 or 404 is final and thrown.
 */
export async function* followLogs(
  read: ReadLogs,
  options: FollowOptions = {}
): AsyncGenerator<LogPage, void, undefined> {
  const { wait = 10, stopped = () => false, onRetry, sleep: pause = sleep } = options;
  let offset = 0;
  let failures = 0;
  while (!stopped()) {
    let page: LogPage;
    try {
      page = await read(offset, wait);
    } catch (err) {
      if (err instanceof GridApiError && [403, 404].includes(err.status)) {
        throw err;
      }
      failures += 1;
      onRetry?.(err, failures);
      await pause(Math.min(30, 2 ** failures) * 1000);
      continue;
    }
    failures = 0;
    offset = page.next_offset;
    yield page;
    if (page.finished) {
      return;
    }
  }
}

/** A background job of the server extension. */
export interface Job {
  id: string;
  state: 'running' | 'done' | 'failed';
  error: string | null;
}

/**
 * Poll a job every half second until it ends, reporting each running state (the first
 * included); a failed job throws ``failed: <its error>``.
 */
export async function untilDone<J extends Job>(
  job: J,
  next: (id: string) => Promise<J>,
  report: (running: J) => void,
  failed: string,
  pause: Sleep = sleep
): Promise<J> {
  while (job.state === 'running') {
    report(job);
    await pause(500);
    job = await next(job.id);
  }
  if (job.state === 'failed') {
    throw new Error(`${failed}: ${job.error}`);
  }
  return job;
}

/** Where the metrics come from: GridApi.metrics for the references compared. */
export type ReadMetrics = () => Promise<MetricsPage>;

export interface MetricsFollowOptions {
  /** milliseconds between two reads while an experiment runs */
  interval?: number;
  /** checked before each request and before each page is given: the view was closed */
  stopped?: () => boolean;
  /** told about a failed request that will be retried, and how many failed in a row */
  onRetry?: (err: unknown, failures: number) => void;
  sleep?: Sleep;
}

/**
 * The metrics of the experiments compared, read again every ``interval`` until every one
 * has finished (the last page is the finished state) or the reader has gone. There is no
 * long poll for metrics: points come every 0.2 s from a running launcher, so a plain poll
 * is as fresh. A failed read is retried with backoff (doubling, at most 30 s); a refusal
 * (400, 403, 404: a reference that names nothing of mine to read) is final and thrown.
 */
export async function* followMetrics(
  read: ReadMetrics,
  options: MetricsFollowOptions = {}
): AsyncGenerator<MetricsPage, void, undefined> {
  const { interval = 1500, stopped = () => false, onRetry, sleep: pause = sleep } = options;
  let failures = 0;
  while (!stopped()) {
    let page: MetricsPage;
    try {
      page = await read();
    } catch (err) {
      if (err instanceof GridApiError && [400, 403, 404].includes(err.status)) {
        throw err;
      }
      failures += 1;
      onRetry?.(err, failures);
      await pause(Math.min(30_000, interval * 2 ** failures));
      continue;
    }
    failures = 0;
    if (stopped()) {
      return;
    }
    yield page;
    if (allFinished(page.experiments)) {
      return;
    }
    await pause(interval);
  }
}
