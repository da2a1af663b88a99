import { agreementOf, type OutputMetrics } from '../eval/metrics.js';
import type { Report } from '../report/types.js';

export interface Gate {
  threshold: number;
  failed: boolean;
  reason: string;
}

/**
 * --fail_on_drop X: with labels, fails when labelled top-1 accuracy drops by more than X points; without
 * labels, when the agreement with float of any class-score output of any written model falls below
 * 100 - X %: top-1 agreement, or for a sequence output [N, T, classes] the character agreement of its
 * greedy CTC decoding (what a recognizer's user reads; OutputMetrics.characterAgreement).
 * pow2 files for truncating hardware (--rounding floor) are judged on the device row alone: their biases
 * carry the offset the hardware's shifts need, so ONNX Runtime and LiteRT, which round, do not measure
 * what ships (the labelled accuracy is the device's too: see the pipeline's evaluate).
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
  const agreements = judged(r).flatMap(([file, metrics]) =>
    Object.entries(metrics)
      .filter(([, m]) => agreementOf(m) !== undefined)
      .map(([name, m]) => ({
        name: `${file}:${name}`,
        value: agreementOf(m)!,
        what: m.characterAgreement === undefined ? 'top-1 agreement' : 'character agreement (CTC decoded)',
      })),
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
    reason: `${worst.what} with float ${pct(worst.value)} on ${worst.name} (limit ${floor.toFixed(2)}%)`,
  };
}

/** The rows the gate judges: the device row for a floor run that has one, else every written file. */
function judged(r: Report): [string, Record<string, OutputMetrics>][] {
  if (r.device?.rounding === 'floor') return [['device', r.device.metrics]];
  return r.outputs.map((o) => [o.format, o.metrics ?? {}]);
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
