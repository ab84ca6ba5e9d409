// The one translation unit of canal's kernels: nvcc builds a fatbin from a single input, so every kernel family
// is a header included here. The build compiles it for every buildable row of kernel-table.json.
#include "elementwise.cuh"
#include "gemv.cuh"
#include "gptq.cuh"
#include "convert.cuh"
#include "quantize.cuh"
#include "attention.cuh"
#include "topk.cuh"
