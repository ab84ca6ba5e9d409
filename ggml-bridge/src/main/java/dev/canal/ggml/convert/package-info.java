/**
 * Hugging Face model directory → GGUF conversion ({@link dev.canal.ggml.convert.HfToGgufConverter}): metadata
 * and tokenizer keys as llama.cpp's convert_hf_to_gguf.py writes them, tensors renamed to GGUF names (Llama Q/K
 * rows permuted for interleaved RoPE) and encoded row by row to F32/F16/BF16 or a ggml block-quant type, streamed
 * tensor by tensor into a temporary file that is moved into place when complete.
 */
package dev.canal.ggml.convert;
