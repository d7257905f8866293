import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * A fixed number of worker threads running one module, each doing one job at a time: jobs wait in order,
 * a job without an answer in `timeoutMs` is given up and its thread replaced, a thread that fails or exits
 * fails its job and is started again by the next. Threads start when first needed, end after `idleMs`
 * without a job (the next job starts one again) and do not keep a process (a CLI command, a test) alive.
 * Used by the HTML sanitiser and the message parser.
 */
export interface ThreadPool<Payload, Result> {
  /**
   * Runs one job. `message` is called when a thread takes the job, so a copy made for transfer exists only
   * while the job runs; the pool adds the job's `id` to what it returns.
   */
  run(
    message: () => { readonly payload: Payload; readonly transfer?: readonly ArrayBuffer[] },
  ): Promise<Result>;
  /** Threads running now (started and not ended): for tests and measurements. */
  threads(): number;
  /** Stops the threads; waiting and running jobs fail. */
  close(): Promise<void>;
}

export interface ThreadPoolOptions<Reply, Result> {
  /** The worker module, e.g. `workerModule(import.meta.url, 'parse-worker')`. */
  readonly source: string;
  /** What the threads do, for messages: `parse` → "the parse thread stopped". */
  readonly name: string;
  readonly size: number;
  readonly timeoutMs: number;
  /**
   * A thread that has had no job for this long ends; none is lost, since a thread ends only with no job
   * waiting. Each of the parser's threads holds ~20 MB (its V8 heap with mailparser loaded) for nothing
   * while idle (bench/parse-threads.ts). Unset: threads run until `close`.
   */
  readonly idleMs?: number;
  readonly workerData?: unknown;
  /** Heap limits of each thread: V8 collects sooner instead of growing the process's memory. */
  readonly resourceLimits?: ResourceLimits;
  /**
   * A memory budget: while the process's resident size is above this many bytes, looked at each time a job
   * is handed out, only the first thread takes jobs; the others' jobs wait for it, and a thread left without
   * work ends after `idleMs`. Unset: every thread takes jobs.
   */
  readonly oneThreadAboveRss?: number;
  /** The process's resident size in bytes (`process.memoryUsage.rss` unless given: tests pass their own). */
  readonly rss?: () => number;
  /** A reply of the worker (it carries the job's `id`) as the job's result or its error. */
  settle(reply: Reply): { readonly result: Result } | { readonly error: Error };
  /** The feature's own error, with its stable code, for what went wrong with a thread. */
  failure(message: string, cause?: unknown): Error;
}

/**
 * The code a thread evaluates to load `<name>.ts|js` beside `moduleUrl`. From source (tsx), a worker thread
 * does not inherit tsx's loader in Node 20, so it registers it before importing the TypeScript; built
 * (dist/), the worker is plain JavaScript.
 */
export const workerModule = (moduleUrl: string, name: string): string => {
  const ts = moduleUrl.endsWith('.ts');
  const entry = new URL(`./${name}.${ts ? 'ts' : 'js'}`, moduleUrl).href;
  if (!ts) return `import(${JSON.stringify(entry)})`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
};

interface Job<Payload, Result> {
  readonly id: number;
  readonly message: () => { readonly payload: Payload; readonly transfer?: readonly ArrayBuffer[] };
  resolve(result: Result): void;
  reject(error: Error): void;
}

interface Slot<Payload, Result> {
  worker: Worker | null;
  job: Job<Payload, Result> | null;
  timer: NodeJS.Timeout | null;
  /** Ends the idle thread, once `idleMs` has passed with no job. */
  idle: NodeJS.Timeout | null;
}

export const createThreadPool = <Payload extends object, Reply extends { readonly id: number }, Result>(
  options: ThreadPoolOptions<Reply, Result>,
): ThreadPool<Payload, Result> => {
  const slots: Slot<Payload, Result>[] = Array.from({ length: options.size }, () => ({
    worker: null,
    job: null,
    timer: null,
    idle: null,
  }));
  const queue: Job<Payload, Result>[] = [];
  let nextId = 1;
  let closed = false;

  const finish = (slot: Slot<Payload, Result>, outcome: { result: Result } | { error: Error }): void => {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = null;
    slot.timer = null;
    if (job) 'result' in outcome ? job.resolve(outcome.result) : job.reject(outcome.error);
    dispatch();
    if (!slot.job) idleFrom(slot);
  };

  /** The slot's thread, with no job now, ends after `idleMs` unless a job comes first. */
  const idleFrom = (slot: Slot<Payload, Result>): void => {
    if (options.idleMs === undefined || !slot.worker || slot.idle || closed) return;
    slot.idle = setTimeout(() => {
      slot.idle = null;
      const worker = slot.worker;
      if (slot.job || !worker) return;
      // Forgotten first: its exit is then not a failure (see `spawn`), and the next job starts a thread.
      slot.worker = null;
      void worker.terminate();
    }, options.idleMs);
    slot.idle.unref();
  };

  /** A thread that failed or was stopped is forgotten; the next job starts a new one. */
  const drop = (slot: Slot<Payload, Result>, error: Error): void => {
    const worker = slot.worker;
    slot.worker = null;
    void worker?.terminate();
    finish(slot, { error });
  };

  const spawn = (slot: Slot<Payload, Result>): Worker => {
    const worker = new Worker(options.source, {
      eval: true,
      workerData: options.workerData,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      if (slot.job?.id === reply.id)
        finish(slot, options.settle(reply) as { result: Result } | { error: Error });
    });
    worker.on('error', (error) => {
      if (slot.worker === worker) drop(slot, options.failure(`the ${options.name} thread failed`, error));
    });
    worker.on('exit', () => {
      if (slot.worker === worker) drop(slot, options.failure(`the ${options.name} thread stopped`));
    });
    return worker;
  };

  const rss = options.rss ?? process.memoryUsage.rss;
  const withinBudget = (): boolean =>
    options.oneThreadAboveRss === undefined || rss() <= options.oneThreadAboveRss;

  const dispatch = (): void => {
    /** Whether the threads after the first may take jobs: the budget, read once a dispatch if needed. */
    let others: boolean | undefined;
    for (const [n, slot] of slots.entries()) {
      if (closed || slot.job || queue.length === 0) continue;
      if (n > 0) {
        others ??= withinBudget();
        if (!others) continue;
      }
      const job = queue.shift()!;
      if (slot.idle) clearTimeout(slot.idle);
      slot.idle = null;
      slot.worker ??= spawn(slot);
      slot.job = job;
      slot.timer = setTimeout(
        () => drop(slot, options.failure(`no answer in ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      const { payload, transfer } = job.message();
      slot.worker.postMessage({ ...payload, id: job.id }, transfer ? [...transfer] : undefined);
    }
  };

  return {
    run: (message) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(options.failure(`the ${options.name} pool is closed`));
        queue.push({ id: nextId++, message, resolve, reject });
        dispatch();
      }),
    threads: () => slots.filter((slot) => slot.worker).length,
    async close() {
      closed = true;
      for (const slot of slots) if (slot.idle) clearTimeout(slot.idle);
      for (const job of queue.splice(0)) job.reject(options.failure(`the ${options.name} pool is closed`));
      await Promise.all(
        slots.map(async (slot) => {
          const worker = slot.worker;
          if (!worker) return;
          drop(slot, options.failure(`the ${options.name} pool is closed`));
          await worker.terminate();
        }),
      );
    },
  };
};
