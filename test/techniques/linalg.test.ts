import { describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import { columnBasis, matMul, symmetricEigen, symmetricPower, transpose } from "../../src/techniques/shared/linalg.js";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `entry ${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(tol);
};

const r3 = Math.sqrt(3);
const r2 = Math.sqrt(2);

describe("linalg (Float64, Jacobi)", () => {
  it("2×2 [[2,1],[1,2]]: eigenvalues 1, 3; inverse square root by hand", () => {
    const A = [2, 1, 1, 2];
    const { values, vectors } = symmetricEigen(A, 2);
    close(values, [1, 3]);
    // Eigenvectors (1,−1)/√2 and (1,1)/√2, up to sign.
    expect(Math.abs(vectors[0] * vectors[2] + vectors[1] * vectors[3])).toBeLessThan(1e-14); // orthogonal columns
    expect(Math.abs(vectors[0] + vectors[2])).toBeLessThan(1e-14); // column 0 ∝ (1, −1)
    expect(Math.abs(vectors[1] - vectors[3])).toBeLessThan(1e-14); // column 1 ∝ (1, 1)
    // A^{-1/2} = ½[[1 + 1/√3, 1/√3 − 1], [1/√3 − 1, 1 + 1/√3]]
    const inv = symmetricPower(A, 2, -0.5);
    expect(inv.rank).toBe(2);
    const d = (1 + 1 / r3) / 2;
    const o = (1 / r3 - 1) / 2;
    close(inv.matrix, [d, o, o, d]);
    // A^{1/2} = ½[[1 + √3, √3 − 1], [√3 − 1, 1 + √3]]
    close(symmetricPower(A, 2, 0.5).matrix, [(1 + r3) / 2, (r3 - 1) / 2, (r3 - 1) / 2, (1 + r3) / 2]);
  });

  it("3×3 [[4,0,0],[0,2,1],[0,1,2]]: eigenvalues 1, 3, 4; A^{-1/2}·A·A^{-1/2} = I", () => {
    const A = [4, 0, 0, 0, 2, 1, 0, 1, 2];
    close(symmetricEigen(A, 3).values, [1, 3, 4]);
    const inv = symmetricPower(A, 3, -0.5).matrix;
    const d = (1 + 1 / r3) / 2;
    const o = (1 / r3 - 1) / 2;
    close(inv, [0.5, 0, 0, 0, d, o, 0, o, d]);
    close(matMul(matMul(inv, A, 3, 3, 3), inv, 3, 3, 3), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it("singular [[1,1],[1,1]]: the pseudo-inverse square root keeps the support only", () => {
    const inv = symmetricPower([1, 1, 1, 1], 2, -0.5);
    expect(inv.rank).toBe(1);
    // λ = 2 on (1,1)/√2: (1/√2)·vvᵀ = [[1,1],[1,1]]/(2√2)
    const v = 1 / (2 * r2);
    close(inv.matrix, [v, v, v, v]);
  });

  it("reconstructs a random 40×40 PSD matrix and its inverse square root", () => {
    const n = 40;
    const rng = new Rng(3);
    const G = rng.normalArray(n * 60, 1);
    const A = matMul(G, transpose(G, n, 60), n, 60, n);
    const { values, vectors } = symmetricEigen(A, n);
    const VL = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) VL[i * n + j] = vectors[i * n + j] * values[j];
    close(matMul(VL, transpose(vectors, n, n), n, n, n), A, 1e-9);
    close(matMul(transpose(vectors, n, n), vectors, n, n, n), eye(n), 1e-12);
    const inv = symmetricPower(A, n, -0.5).matrix;
    close(matMul(matMul(inv, A, n, n, n), inv, n, n, n), eye(n), 1e-9);
  });

  it("columnBasis: an orthonormal basis of the column space, rank by tolerance", () => {
    // Columns (1,0,0), (1,1,0), (2,1,0): rank 2, space = the first two axes.
    const B = [1, 1, 2, 0, 1, 1, 0, 0, 0];
    const { basis, rank } = columnBasis(B, 3, 3);
    expect(rank).toBe(2);
    close(matMul(transpose(basis, 3, 2), basis, 2, 3, 2), eye(2), 1e-12);
    // The projection UUᵀ is diag(1, 1, 0).
    close(matMul(basis, transpose(basis, 3, 2), 3, 2, 3), [1, 0, 0, 0, 1, 0, 0, 0, 0], 1e-12);
    // A wide matrix (more columns than rows) goes through BBᵀ.
    const wide = columnBasis([1, 2, 3, 4, 2, 4, 6, 8], 2, 4);
    expect(wide.rank).toBe(1);
    close([Math.abs(wide.basis[0]), Math.abs(wide.basis[1])], [1 / Math.sqrt(5), 2 / Math.sqrt(5)], 1e-12);
    expect(columnBasis([0, 0, 0, 0], 2, 2).rank).toBe(0);
  });
});

function eye(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}
