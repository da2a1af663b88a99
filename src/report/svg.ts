import type { LayerError } from '../eval/evaluate.js';

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A bar chart of per-layer SQNR in execution order (not sorted), so the user sees where along the network
 * the error grows. Bars under 20 dB are drawn in red. Hand-written SVG: a few dozen lines, no dependency.
 */
export function layerChartSvg(layers: LayerError[], order: string[]): string {
  const byName = new Map(layers.map((l) => [l.tensor, l]));
  const rows = order.map((n) => byName.get(n)).filter((l): l is LayerError => !!l);
  const w = Math.max(320, rows.length * 8 + 60);
  const h = 220;
  const top = 60;
  const scale = (h - 40) / top;
  const bars = rows.map((l, i) => {
    const v = Math.max(0, Math.min(top, Number.isFinite(l.sqnrDb) ? l.sqnrDb : top));
    const color = v < 20 ? '#d1242f' : '#1f6feb';
    return `<rect x="${50 + i * 8}" y="${(h - 20 - v * scale).toFixed(1)}" width="6" height="${(v * scale).toFixed(1)}" fill="${color}"><title>${esc(l.tensor)} (${esc(l.op)}): ${l.sqnrDb.toFixed(1)} dB</title></rect>`;
  });
  const grid = [0, 20, 40, 60].map((d) => {
    const y = (h - 20 - d * scale).toFixed(1);
    return `<line x1="45" x2="${w - 5}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="40" y="${y}" font-size="10" text-anchor="end" dominant-baseline="middle">${d}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">`,
    `<text x="50" y="14" font-size="12">Per-layer SQNR (dB), in execution order</text>`,
    ...grid,
    ...bars,
    '</svg>',
    '',
  ].join('\n');
}
