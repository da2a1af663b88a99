/**
 * The quantization scheme as a TFLite metadata entry. TFLite's QuantizationParameters say how to read a
 * tensor's integers, not what arithmetic the target runs between them: the pow2 scheme's bias width and
 * shift rounding have no field. The entry carries them, so the integer executor reads a file's scheme
 * instead of guessing it from the numbers. Runtimes ignore metadata entries they do not know.
 */
import { ModelFormatError } from '../../errors.js';
import type { QuantScheme } from '../../ir/qparams.js';
import type { TfliteModel } from './model.js';

export const SCHEME_ENTRY = 'model_quant_scheme';

/** The entry's bytes: JSON with the flags' names, `{"scheme":"pow2","bias_mode":"B16","rounding":"floor"}`. */
export function schemeEntryData(q: QuantScheme): Uint8Array {
  const json =
    q.scheme === 'pow2'
      ? { scheme: q.scheme, bias_mode: q.biasMode, rounding: q.rounding }
      : { scheme: q.scheme };
  return new TextEncoder().encode(JSON.stringify(json));
}

/** The scheme a file's entry names; undefined for a file without the entry (one made elsewhere). */
export function readSchemeEntry(model: TfliteModel, file: string): QuantScheme | undefined {
  const entry = model.metadata.find((m) => m.name === SCHEME_ENTRY);
  if (!entry) return undefined;
  const bytes = model.buffers[entry.buffer]?.data ?? new Uint8Array(0);
  const bad = (why: string) =>
    new ModelFormatError(file, `metadata '${SCHEME_ENTRY}' ${why}; rewrite the file with model-quant`);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    throw bad('is not JSON');
  }
  if (v.scheme === 'affine') return { scheme: 'affine' };
  if (v.scheme !== 'pow2') throw bad(`names scheme ${JSON.stringify(v.scheme)} (pow2 or affine expected)`);
  if (v.bias_mode !== 'B8' && v.bias_mode !== 'B16')
    throw bad(`names bias_mode ${JSON.stringify(v.bias_mode)} (B8 or B16 expected)`);
  if (v.rounding !== 'floor' && v.rounding !== 'nearest')
    throw bad(`names rounding ${JSON.stringify(v.rounding)} (floor or nearest expected)`);
  return { scheme: 'pow2', biasMode: v.bias_mode, rounding: v.rounding };
}
