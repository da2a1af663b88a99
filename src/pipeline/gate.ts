import type { Report } from '../report/types.js';

export interface Gate {
  threshold: number;
  failed: boolean;
  reason: string;
}

/**
 * --fail_on_drop X: with labels, fails when labelled top-1 accuracy drops by more than X points; without
 * labels, when the top-1 agreement of any class-score output of any written model falls below 100 - X %.
 */
export function checkGate(r: Report, threshold: number): Gate {
  if (r.accuracy) {
    const drop = (r.accuracy.top1Float - r.accuracy.top1Quant) * 100;
    const failed = drop > threshold;
    return {
      threshold,
      failed,
      reason: `labelled top-1 accuracy ${pct(r.accuracy.top1Float)} -> ${pct(r.accuracy.top1Quant)} (drop ${drop.toFixed(2)} points, limit ${threshold})`,
    };
  }
  const agreements = r.outputs.flatMap((o) =>
    Object.entries(o.metrics ?? {})
      .filter(([, m]) => m.top1Agreement !== undefined)
      .map(([name, m]) => ({ name: `${o.format}:${name}`, value: m.top1Agreement! })),
  );
  if (agreements.length === 0) {
    return { threshold, failed: false, reason: 'no labels and no class-score output: nothing to gate on' };
  }
  const worst = agreements.reduce((a, b) => (b.value < a.value ? b : a));
  const floor = 100 - threshold;
  const failed = worst.value * 100 < floor;
  return {
    threshold,
    failed,
    reason: `top-1 agreement with float ${pct(worst.value)} on ${worst.name} (limit ${floor.toFixed(2)}%)`,
  };
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
