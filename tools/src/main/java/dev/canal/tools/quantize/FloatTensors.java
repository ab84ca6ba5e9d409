package dev.canal.tools.quantize;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.lang.foreign.MemorySegment;

/** Dense F32/F16/BF16 tensors to float matrices and back, in bulk (whole layers, not element by element). */
final class FloatTensors {
    private FloatTensors() {
    }

    /** A 1-D tensor as [1, n], a 2-D one as [rows, cols]. */
    static FloatMatrix read(Tensor t) {
        if (t.rank() != 1 && t.rank() != 2) {
            throw new CanalException("tensor " + t.name() + " has shape " + t.shapeString() + ", expected 1 or 2 dims");
        }
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new CanalException("tensor " + t.name() + ": " + n + " elements do not fit in one Java array");
        }
        float[] values = new float[(int) n];
        MemorySegment data = t.data();
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(data, Floats.F32_LE, 0, values, 0, values.length);
            case F16 -> {
                for (int i = 0; i < values.length; i++) values[i] = Floats.f16(data.get(Floats.I16_LE, 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < values.length; i++) values[i] = Floats.bf16(data.get(Floats.I16_LE, 2L * i));
            }
            default -> throw new CanalException("tensor " + t.name() + " is " + t.typeName()
                    + ", expected F32, F16 or BF16");
        }
        int rows = t.rank() == 1 ? 1 : (int) t.dim(0);
        return new FloatMatrix(values, rows, (int) (n / Math.max(rows, 1)));
    }

    /** F16's largest finite value: a folded scale beyond it would turn a norm weight into infinity. */
    private static final float F16_MAX = 65504f;

    /** The values as a tensor of the given float dtype and shape; refused when a value does not fit the dtype. */
    static TensorData write(String name, DType dtype, long[] shape, float[] values) {
        float limit = dtype == DType.F16 ? F16_MAX : Float.MAX_VALUE;
        for (int i = 0; i < values.length; i++) {
            if (!(Math.abs(values[i]) <= limit)) {
                throw new CanalException("tensor " + name + ": value " + values[i] + " at " + i + " does not fit in "
                        + dtype + " after folding the AWQ scales (use --method rtn for this model)");
            }
        }
        return switch (dtype) {
            case F32 -> TensorData.f32(name, shape, values);
            case F16, BF16 -> {
                short[] bits = new short[values.length];
                for (int i = 0; i < bits.length; i++) {
                    bits[i] = dtype == DType.F16 ? Floats.toF16(values[i]) : Floats.toBf16(values[i]);
                }
                yield TensorData.bits16(name, dtype, shape, bits);
            }
            default -> throw new IllegalArgumentException(name + ": " + dtype + " is not a float dtype");
        };
    }
}
