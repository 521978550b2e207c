import type { Split, SplitName } from "./types.js";

/**
 * A split of HWC float images (`n` images of `height*width*channels` values
 * back to back) with integer labels.
 */
export function imageSplit(
  name: SplitName,
  images: Float32Array,
  labels: Int32Array,
  shape: { height: number; width: number; channels: number },
): Split {
  const size = shape.height * shape.width * shape.channels;
  const n = labels.length;
  if (images.length !== n * size) {
    throw new Error(`imageSplit(${name}): ${images.length} values for ${n} images of ${size} values`);
  }
  return {
    name,
    n,
    x: images,
    xDtype: "float32",
    exampleShape: [shape.height, shape.width, shape.channels],
    y: labels,
  };
}
