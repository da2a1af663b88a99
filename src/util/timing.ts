const mb = (bytes: number) => String(Math.round(bytes / 2 ** 20)).padStart(6);

/**
 * MODEL_QUANT_TIMING=1 prints one line per lap to stderr: wall and CPU time (user + system of all the
 * process's threads, so ONNX Runtime's pool and worker threads count) since the previous lap, and the
 * process's resident set size at the lap. For finding where a run's time goes on a shared machine, where
 * CPU time is steadier than wall time; off, a lap costs nothing.
 */
export function stopwatch(scope: string): (label: string) => void {
  if (!process.env.MODEL_QUANT_TIMING) return () => undefined;
  let wall = performance.now();
  let cpu = process.cpuUsage();
  return (label) => {
    const used = process.cpuUsage(cpu);
    const now = performance.now();
    const s = (ms: number) => (ms / 1000).toFixed(2).padStart(7);
    process.stderr.write(
      `timing ${scope}: ${label.padEnd(36)} ${s(now - wall)} s wall ${s((used.user + used.system) / 1000)} s CPU ${mb(process.memoryUsage.rss())} MB RSS\n`,
    );
    wall = now;
    cpu = process.cpuUsage();
  };
}
