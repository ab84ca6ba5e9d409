/**
 * GGUF files: {@link dev.canal.ggml.gguf.GgufFile} maps and validates one (v2/v3, little-endian) and exposes its
 * metadata and zero-copy tensor slices; {@link dev.canal.ggml.gguf.GgufWriter} writes v3 files, streaming tensor
 * data. Format reference: ggml's docs/gguf.md.
 */
package dev.canal.ggml.gguf;
