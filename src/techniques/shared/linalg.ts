/**
 * Small dense linear algebra in Float64 plain TypeScript, for closed-form
 * fits on activation statistics (d ≤ 512): symmetric eigendecomposition by
 * cyclic Jacobi rotations, matrix functions of symmetric PSD matrices
 * (square root, pseudo-inverse square root) and an orthonormal basis of a
 * column space. Matrices are row-major `Float64Array`s.
 */

/** A·B for A [n, m], B [m, p] (row-major), in Float64. */
export function matMul(a: ArrayLike<number>, b: ArrayLike<number>, n: number, m: number, p: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const oi = i * p;
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k];
      if (aik === 0) continue;
      const bk = k * p;
      for (let j = 0; j < p; j++) out[oi + j] += aik * b[bk + j];
    }
  }
  return out;
}

/** Aᵀ for A [rows, cols] (row-major). */
export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

/** The n×n identity. */
export function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** Eigenvalues (ascending) and eigenvectors of a symmetric matrix. */
export interface SymmetricEigen {
  values: Float64Array;
  /** Row-major [n, n]; column j is the unit eigenvector of `values[j]`. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition A = V diag(λ) Vᵀ of a symmetric n×n matrix by the
 * cyclic Jacobi method (each rotation zeroes one off-diagonal pair; sweeps
 * repeat until the off-diagonal mass is at rounding level). A is
 * symmetrised as (A + Aᵀ)/2 first. Accurate to a few ulps of ‖A‖ for every
 * eigenvalue, small ones included; O(n³) per sweep, typically 6–10 sweeps.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: ${a.length} entries for a ${n}×${n} matrix`);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  // VT holds the eigenvectors as rows, so that a rotation updates two contiguous rows.
  const VT = identity(n);
  let total = 0;
  for (let i = 0; i < n * n; i++) total += A[i] * A[i];
  const eps = Number.EPSILON;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    if (off <= eps * eps * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      const rp = p * n;
      for (let q = p + 1; q < n; q++) {
        const rq = q * n;
        const apq = A[rp + q];
        if (apq === 0) continue;
        const app = A[rp + p];
        const aqq = A[rq + q];
        // Skip pairs already negligible next to both diagonal entries.
        if (Math.abs(apq) < eps * 1e-3 * Math.sqrt(Math.abs(app * aqq))) {
          A[rp + q] = 0;
          A[rq + p] = 0;
          continue;
        }
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J, J the rotation in the (p, q) plane that zeroes a_pq
        // (Numerical Recipes' convention). A stays symmetric: update rows p
        // and q, mirror them into columns p and q.
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const apk = A[rp + k];
          const aqk = A[rq + k];
          const np = c * apk - s * aqk;
          const nq = s * apk + c * aqk;
          A[rp + k] = np;
          A[rq + k] = nq;
          A[k * n + p] = np;
          A[k * n + q] = nq;
        }
        A[rp + p] = app - t * apq;
        A[rq + q] = aqq + t * apq;
        A[rp + q] = 0;
        A[rq + p] = 0;
        for (let k = 0; k < n; k++) {
          const vp = VT[rp + k];
          const vq = VT[rq + k];
          VT[rp + k] = c * vp - s * vq;
          VT[rq + k] = s * vp + c * vq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[i * n + i] - A[j * n + j]);
  const values = Float64Array.from(order, (i) => A[i * n + i]);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) vectors[k * n + j] = VT[order[j] * n + k];
  return { values, vectors };
}

/**
 * f(A) = V diag(f(λ)) Vᵀ for a symmetric PSD matrix, where eigenvalues at or
 * below `relTol`·λ_max count as zero and map to 0 (so `power` −½ gives the
 * Moore–Penrose pseudo-inverse of A^½, and ½ gives A^½ on the same support).
 * Returns the matrix and the rank kept.
 */
export function symmetricPower(
  a: ArrayLike<number>,
  n: number,
  power: number,
  relTol = 1e-6,
): { matrix: Float64Array; rank: number } {
  const { values, vectors } = symmetricEigen(a, n);
  return powerFromEigen({ values, vectors }, n, power, relTol);
}

/** `symmetricPower` from an eigendecomposition already computed. */
export function powerFromEigen(
  eig: SymmetricEigen,
  n: number,
  power: number,
  relTol = 1e-6,
): { matrix: Float64Array; rank: number } {
  const { values, vectors } = eig;
  const max = values.length > 0 ? values[values.length - 1] : 0;
  const f = new Float64Array(n);
  let rank = 0;
  for (let j = 0; j < n; j++) {
    if (max > 0 && values[j] > relTol * max) {
      f[j] = values[j] ** power;
      rank++;
    }
  }
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    if (f[j] === 0) continue;
    for (let r = 0; r < n; r++) {
      const vr = vectors[r * n + j] * f[j];
      if (vr === 0) continue;
      for (let c = 0; c < n; c++) out[r * n + c] += vr * vectors[c * n + j];
    }
  }
  return { matrix: out, rank };
}

/**
 * An orthonormal basis U [rows, r] of the column space of B [rows, cols]:
 * the left singular vectors whose singular values exceed both `absTol` and
 * `relTol`·σ_max. Computed from the eigendecomposition of the smaller Gram
 * matrix (BᵀB, then U = B·v/σ; or BBᵀ directly).
 */
export function columnBasis(
  b: ArrayLike<number>,
  rows: number,
  cols: number,
  relTol = 1e-6,
  absTol = 0,
): { basis: Float64Array; rank: number; singularValues: Float64Array } {
  const bt = transpose(b, rows, cols);
  const viaCols = cols <= rows;
  const gram = viaCols ? matMul(bt, b, cols, rows, cols) : matMul(b, bt, rows, cols, rows);
  const m = viaCols ? cols : rows;
  const { values, vectors } = symmetricEigen(gram, m);
  const sv = Float64Array.from(values, (v) => Math.sqrt(Math.max(0, v))).reverse(); // descending
  const smax = sv[0] ?? 0;
  const keep: number[] = [];
  for (let j = m - 1; j >= 0; j--) {
    const s = Math.sqrt(Math.max(0, values[j]));
    if (s > absTol && s > relTol * smax && s > 0) keep.push(j);
  }
  // Candidate columns, largest singular value first, then re-orthonormalised
  // (modified Gram–Schmidt, two passes): B·v/σ loses orthogonality for small σ.
  const cand: Float64Array[] = keep.map((j) => {
    const u = new Float64Array(rows);
    if (viaCols) {
      for (let i = 0; i < rows; i++) {
        let acc = 0;
        for (let k = 0; k < cols; k++) acc += b[i * cols + k] * vectors[k * m + j];
        u[i] = acc;
      }
    } else {
      for (let i = 0; i < rows; i++) u[i] = vectors[i * m + j];
    }
    return u;
  });
  const done: Float64Array[] = [];
  for (const u of cand) {
    for (let pass = 0; pass < 2; pass++) {
      for (const q of done) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += q[i] * u[i];
        for (let i = 0; i < rows; i++) u[i] -= dot * q[i];
      }
      let norm = 0;
      for (let i = 0; i < rows; i++) norm += u[i] * u[i];
      norm = Math.sqrt(norm);
      if (norm === 0) break;
      for (let i = 0; i < rows; i++) u[i] /= norm;
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += u[i] * u[i];
    if (Math.abs(norm - 1) < 1e-6) done.push(u);
  }
  const r = done.length;
  const basis = new Float64Array(rows * r);
  done.forEach((u, col) => {
    for (let i = 0; i < rows; i++) basis[i * r + col] = u[i];
  });
  return { basis, rank: r, singularValues: sv };
}
