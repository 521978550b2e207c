/**
 * Parameter counts of the four perf workloads, derived by hand from their
 * definitions (docs/performance.md, the issue); shared by the tfjs and the
 * PyTorch tests.
 */
export const EXPECTED_PARAMS: Record<string, number> = {
  // left/right embeddings 120×256 each, 512→128, 128→120, no biases
  "group-mlp": 2 * 120 * 256 + 512 * 128 + 128 * 120,
  // embed 114×128, pos 3×128, Q/K/V 3·4·128·32, O 4·32·128, MLP 128→512→128 with biases, unembed 128×113
  "modadd-transformer":
    114 * 128 + 3 * 128 + 3 * 4 * 128 * 32 + 4 * 32 * 128 + (128 * 512 + 512) + (512 * 128 + 128) + 128 * 113,
  // conv 3×3×1→32, conv 3×3×32→64, dense 1600→128, dense 128→10, all with biases
  "mnist-cnn": 9 * 32 + 32 + (9 * 32 * 64 + 64) + (1600 * 128 + 128) + (128 * 10 + 10),
  // 784→256→256→10 with biases
  mlp: 784 * 256 + 256 + (256 * 256 + 256) + (256 * 10 + 10),
};
