package dev.canal.ggml.quant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Our quantizers against ggml's: the SHA-256 of ggml_quantize_chunk's output (no importance matrix, the path
 * llama-quantize takes) on {@link ReferenceInput}'s 8 rows of 1024, computed once with ggml itself (see
 * ReferenceInput), must equal the SHA-256 of our output; likewise ggml's dequantization (its type traits'
 * to_float) of those bytes against ours. One differing bit anywhere fails.
 */
class GgmlBitExactTest {

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void inputMatchesTheOneGivenToGgml() throws Exception {
        float[] x = ReferenceInput.rows();
        ByteBuffer bb = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : x) bb.putFloat(v);
        assertEquals("e1124fb6be6af178ec35b98c589996a8fd8639f1e5654e0fce585143b17581aa", sha256(bb.array()));
    }

    @ParameterizedTest
    @CsvSource({
            "F16, 273d8e64cb3107ae8399fea001cbdba5e40e2d35bd9d22b463b54e40c3ca0ff0",
            "BF16, 48185f551c565107a9f46d5b6439e2e09e5f433200b6115f4538a3eecb578b70",
            "Q4_0, 02b66c91fbf088ca39335a7334223dca47075cbf60b84d8d30c27e21bae36dd4",
            "Q4_1, 3e9549ede818c2e2f26e16573ee3d74e827b82dedc9cae6f9da00d000a7d1bb3",
            "Q5_0, 47fc8549f7e6a9171bab2d25c3887ec52b3976d87ad56bbbcae8bd2ecf08a6df",
            "Q5_1, 04ad7f8c657cf229d4b6763322c17036d5f6b6a90fc8784aff41174a7c79a919",
            "Q8_0, 9501d3234acb4a5a62688b49a1a0011bbffc0ef85dd58f81024d4352dc2fc806",
            "Q4_K, 82f7d95f2292c8714af4398b72e194b62c05ec79f4d9641be34e43e15fc2f19a",
            "Q5_K, 3d4b8714d7c6cea97bbf56c631259043d4fb9dedeff466a9fc471f1f0df582bb",
            "Q6_K, cab244b7e57c4e41398905bb9d6a4a8e198f88fcf406ab6be0c95db23a7f78ec",
    })
    void quantizedBytesEqualGgmls(GgmlType type, String expectedSha256) throws Exception {
        float[] x = ReferenceInput.rows();
        QuantFormat f = QuantFormats.of(type);
        long rowBytes = f.rowBytes(ReferenceInput.N);
        MemorySegment out = MemorySegment.ofArray(new byte[(int) (rowBytes * ReferenceInput.ROWS)]);
        for (int r = 0; r < ReferenceInput.ROWS; r++) {
            f.quantizeRow(x, r * ReferenceInput.N, out, r * rowBytes, ReferenceInput.N);
        }
        assertEquals(expectedSha256, sha256(out.toArray(ValueLayout.JAVA_BYTE)), type + " bytes differ from ggml's");
    }

    @ParameterizedTest
    @CsvSource({
            "F16, c9e7e045aaced87cf71ce76168b6d660a2fb1ca40e12d433630d04b2fb2c8a76",
            "BF16, 6add6932d245f78be9d389e9718d239da2957871496504b3053aaeb1f597bb00",
            "Q4_0, fc6a84e3023bfa564cff044a8520b798cdbde35d37abbbd9bc38afe51edc117e",
            "Q4_1, b14e12268ba2802bbb9489228511fcc6c2790555a889985597a0aebf8bf06f32",
            "Q5_0, 9beface839d10792d01bc233f898fb9bcb076f3af106686ab90560a17fc02712",
            "Q5_1, a368eb14517e60bcd18571bfdcfd6ce7ac0b9138be4d34e04f509d6ac9269504",
            "Q8_0, d3f5d634da7cb44a624249711c3d39d662805f84acba4a6afcf98ab3ef2ca3b7",
            "Q4_K, a698e166c0540b9bdeb4231591ea64430a3ad4516c9bf131a08a09726a8ce65b",
            "Q5_K, 7c5f400520778719f2e0c59f80be026b7ab8de21288dd3f3a0f46644ab798e0c",
            "Q6_K, 4f49f144e64c8065c8fef07aaa4a04e0cfabb0e7b089246088e1fad58a299f28",
    })
    void dequantizedFloatsEqualGgmls(GgmlType type, String expectedSha256) throws Exception {
        float[] x = ReferenceInput.rows();
        QuantFormat f = QuantFormats.of(type);
        long rowBytes = f.rowBytes(ReferenceInput.N);
        MemorySegment q = MemorySegment.ofArray(new byte[(int) (rowBytes * ReferenceInput.ROWS)]);
        float[] y = new float[x.length];
        for (int r = 0; r < ReferenceInput.ROWS; r++) {
            f.quantizeRow(x, r * ReferenceInput.N, q, r * rowBytes, ReferenceInput.N);
            f.dequantizeRow(q, r * rowBytes, y, r * ReferenceInput.N, ReferenceInput.N);
        }
        ByteBuffer bb = ByteBuffer.allocate(y.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : y) bb.putFloat(v);
        assertEquals(expectedSha256, sha256(bb.array()), type + " dequantized floats differ from ggml's");
    }
}
