/**
 * ggml's element types ({@link dev.canal.ggml.quant.GgmlType}) and, for the supported ones, a
 * {@link dev.canal.ggml.quant.QuantFormat} each: ggml's reference dequantization and quantization (bit-identical to
 * llama.cpp's, checked against ggml's own output) and a Vector API dot kernel that reads packed blocks in place.
 * Q8_0 and Q4_0 weights also have int8 kernels over activations quantized once per row
 * ({@link dev.canal.ggml.quant.Q8Activations}).
 */
package dev.canal.ggml.quant;
