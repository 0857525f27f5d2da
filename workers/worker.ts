// piscina's entry point: one task runner per worker thread, whose file-cache counters
// go to the main thread over the stats BroadcastChannel.
import { BroadcastChannel, workerData } from 'node:worker_threads';
import { createTaskRunner } from './task-runner.js';
import type { TaskEnvelope, WorkerBootData, WorkerTask } from './protocol.js';

const boot = workerData as WorkerBootData;
const channel = new BroadcastChannel(boot.statsChannel);
// Counters are posted often; the channel must never keep a finished worker alive.
channel.unref();

const run = createTaskRunner({
  fileCacheBytes: boot.fileCacheBytes,
  publish: (message) => channel.postMessage(message),
});

export default function runTask(task: WorkerTask): Promise<TaskEnvelope> {
  return run(task);
}
