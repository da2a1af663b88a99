import fs from 'node:fs';
import path from 'node:path';

/** The ONNX backend test suite's node cases (Debian package libonnx-testdata). */
export const NODE_CASES = '/usr/share/libonnx-testdata/data/node';

/** Each case's folder, sorted; none when the package is not installed (the suites then fail on it). */
export function nodeCaseDirs(): string[] {
  if (!fs.existsSync(NODE_CASES)) return [];
  return fs
    .readdirSync(NODE_CASES)
    .sort()
    .map((c) => path.join(NODE_CASES, c));
}
