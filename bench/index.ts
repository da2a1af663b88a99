/**
 * `npm run bench [-- <section> ...]`: prints figures, never asserts timings. Each section is one
 * function in SECTIONS; with no argument all run in order. A section that finds a figure past its stated
 * limit sets a non-zero exit code, after printing everything.
 */
import { corpusSection } from './corpus.js';
import { floorRowsSection } from './floor-rows.js';
import { integerSection } from './integer.js';
import { ioSection } from './io.js';
import { largeSection } from './large.js';
import { mixedPrecisionSection } from './mixed-precision.js';
import { quantAccuracySection } from './quant-accuracy.js';
import { pipelineSection } from './pipeline.js';
import { tfliteQuantSection } from './tflite-quant.js';
import type { BenchSection } from './section.js';

const SECTIONS: BenchSection[] = [
  ioSection,
  integerSection,
  quantAccuracySection,
  floorRowsSection,
  tfliteQuantSection,
  pipelineSection,
  corpusSection,
  mixedPrecisionSection,
  largeSection,
];

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length) {
    console.error(
      `unknown bench section(s): ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`,
    );
    process.exitCode = 2;
    return;
  }
  for (const section of SECTIONS.filter((s) => names.length === 0 || names.includes(s.name))) {
    console.log(`\n## ${section.name}: ${section.description}\n`);
    await section.run();
  }
}

await main();
