import { SQNR_CAP_DB, type Report } from './types.js';

/** Stable JSON: keys in declaration order, SQNR capped at SQNR_CAP_DB (and -SQNR_CAP_DB), Maps as objects. */
export function reportJson(r: Report): string {
  return `${JSON.stringify(
    r,
    (key, v) => {
      if (typeof v === 'number' && key === 'sqnrDb') return Math.max(-SQNR_CAP_DB, Math.min(SQNR_CAP_DB, v));
      if (v instanceof Map) return Object.fromEntries(v);
      return v;
    },
    2,
  )}\n`;
}
