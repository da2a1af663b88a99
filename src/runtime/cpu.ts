import fs from 'node:fs';

/**
 * Whether ONNX Runtime's native int8 kernels on this CPU add u8 x s8 products in saturating int16 pairs
 * (VPMADDUBSW): x86-64 without VNNI (AVX2, AVX-512 before VNNI; many CI runners). There, a convolution's
 * result can differ from exact integer arithmetic wherever two neighbouring activations and their weights
 * are large; ARM (SDOT/UDOT) and VNNI x86 (VPDPBUSD) accumulate in int32 and compute exactly. Linux tells
 * via /proc/cpuinfo; elsewhere an x86-64 CPU is assumed to be at risk.
 */
export function int8KernelsMaySaturate(): boolean {
  if (process.arch !== 'x64') return false;
  let flags: string;
  try {
    flags = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return true;
  }
  return !/\b(avx512_vnni|avx_vnni)\b/.test(flags);
}
