import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a file whole or not at all: `write` fills a temporary file in the same folder, which is then
 * renamed over `file`. On any failure the temporary file is removed and `file` is untouched.
 */
export function writeFileAtomic(file: string, write: (tmp: string) => void): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    write(tmp);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
