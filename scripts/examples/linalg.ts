/**
 * Small dense linear algebra for the example generators: covariance matrices and a symmetric
 * eigendecomposition. Plain JS arithmetic in a fixed order, so that results (and so the model bytes) are
 * the same on every machine.
 */

/** Eigenvalues (descending) and unit eigenvectors (`vectors[i]` goes with `values[i]`) of a symmetric matrix. */
export interface Eigen {
  values: Float64Array;
  vectors: Float64Array[];
}

/**
 * Cyclic Jacobi rotations on a symmetric n x n matrix (row-major), until the off-diagonal part is
 * negligible. O(n³) per sweep; fine for the few hundred channels of the examples.
 */
export function symmetricEigen(matrix: Float64Array, n: number): Eigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    if (off <= 1e-24 * total) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]! || i - j);
  return {
    values: Float64Array.from(order, (i) => Math.max(0, a[i * n + i]!)),
    vectors: order.map((i) => {
      const e = Float64Array.from({ length: n }, (_, k) => v[k * n + i]!);
      // A fixed sign (largest component positive), so that the result does not depend on rotation order.
      let big = 0;
      for (let k = 0; k < n; k++) if (Math.abs(e[k]!) > Math.abs(e[big]!)) big = k;
      if (e[big]! < 0) for (let k = 0; k < n; k++) e[k] = -e[k]!;
      return e;
    }),
  };
}

/** Accumulates the mean and covariance of vectors of length n. */
export class Covariance {
  private readonly sum: Float64Array;
  private readonly outer: Float64Array;
  private count = 0;

  constructor(readonly n: number) {
    this.sum = new Float64Array(n);
    this.outer = new Float64Array(n * n);
  }

  add(x: ArrayLike<number>): void {
    const n = this.n;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      this.sum[i] += xi;
      if (xi === 0) continue;
      for (let j = i; j < n; j++) this.outer[i * n + j] += xi * x[j]!;
    }
    this.count++;
  }

  mean(): Float64Array {
    return this.sum.map((s) => s / this.count);
  }

  /** The (population) covariance, n x n row-major. */
  matrix(): Float64Array {
    const n = this.n;
    const m = this.mean();
    const c = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        c[i * n + j] = c[j * n + i] = this.outer[i * n + j]! / this.count - m[i]! * m[j]!;
      }
    }
    return c;
  }
}
