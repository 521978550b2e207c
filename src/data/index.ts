/**
 * Data layer: MNIST from IDX files, image ops (rotation, procedural shapes)
 * and PNG output. Depends only on `engine/` (RNG) and `util/` (errors).
 */
export * from "./idx.js";
export * from "./image.js";
export * from "./mnist.js";
export * from "./png.js";
export * from "./rotate.js";
export * from "./shapes.js";
