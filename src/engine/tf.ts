/**
 * The one import of TensorFlow.js for the whole project. Every module takes
 * `tf` from here so that there is exactly one tfjs-core instance (kernels are
 * registered per instance) and the cpu backend is always available as the
 * fallback and as the reference the faster backends are tested against.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
