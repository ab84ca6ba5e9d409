package dev.canal.engine.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file: every tensor's dtype, shape and byte range inside
 * the data section, checked against each other and against the data section's size, so that slicing the mapped
 * file afterwards cannot go out of bounds.
 */
record SafetensorsHeader(List<Entry> entries, Map<String, String> metadata) {

    /** One tensor: {@code begin}/{@code end} are offsets relative to the start of the data section. */
    record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = new ObjectMapper()
            // A repeated tensor name would silently shadow the first one; the reference parser refuses it too.
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * @param json     the header bytes as stored (UTF-8, possibly padded with trailing spaces)
     * @param dataSize bytes in the file after the header
     * @param file     the file, for messages
     */
    static SafetensorsHeader parse(byte[] json, long dataSize, String file) {
        JsonNode root = readJson(json, file);
        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = metadata(field.getValue(), file);
            } else {
                entries.add(entry(field.getKey(), field.getValue(), dataSize, file));
            }
        }
        // Data order, not JSON order: it is the order of the bytes on disk and makes overlaps adjacent.
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end).thenComparing(Entry::name));
        checkOverlaps(entries, file);
        return new SafetensorsHeader(List.copyOf(entries), metadata);
    }

    private static JsonNode readJson(byte[] json, String file) {
        try {
            // Decode strictly first: Jackson would report broken UTF-8 as a confusing token error.
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json));
        } catch (CharacterCodingException e) {
            throw new CanalException(file + ": safetensors header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new CanalException(file + ": safetensors header is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new CanalException(file + ": safetensors header must be a JSON object, found "
                    + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        return root;
    }

    private static Map<String, String> metadata(JsonNode node, String file) {
        if (!node.isObject()) {
            throw new CanalException(file + ": \"" + METADATA_KEY + "\" must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> kv : node.properties()) {
            if (!kv.getValue().isTextual()) {
                throw new CanalException(file + ": \"" + METADATA_KEY + "\" value \"" + kv.getKey()
                        + "\" must be a string, found " + kv.getValue().getNodeType().toString().toLowerCase());
            }
            out.put(kv.getKey(), kv.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry entry(String name, JsonNode node, long dataSize, String file) {
        String where = file + ": tensor \"" + name + "\"";
        if (!node.isObject()) throw new CanalException(where + ": entry must be an object with dtype, shape, data_offsets");
        JsonNode dtypeNode = required(node, "dtype", where);
        if (!dtypeNode.isTextual()) throw new CanalException(where + ": dtype must be a string, found " + dtypeNode);
        DType dtype = DType.fromSafetensors(dtypeNode.textValue(), where);

        JsonNode shapeNode = required(node, "shape", where);
        if (!shapeNode.isArray()) throw new CanalException(where + ": shape must be an array of integers, found " + shapeNode);
        long[] shape = new long[shapeNode.size()];
        long bytes = dtype.bytes();
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong()) {
                throw new CanalException(where + ": shape " + shapeNode + " holds a non-integer dimension " + d);
            }
            shape[i] = d.longValue();
            if (shape[i] < 0) throw new CanalException(where + ": shape " + shapeNode + " has a negative dimension");
            try {
                bytes = Math.multiplyExact(bytes, shape[i]);
            } catch (ArithmeticException e) {
                throw new CanalException(where + ": shape " + shapeNode + " is too large (byte size overflows 64 bits)");
            }
        }

        JsonNode offsets = required(node, "data_offsets", where);
        if (!offsets.isArray() || offsets.size() != 2 || !isLong(offsets.get(0)) || !isLong(offsets.get(1))) {
            throw new CanalException(where + ": data_offsets must be an array of two integers [begin, end], found " + offsets);
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (begin < 0 || end < 0) throw new CanalException(where + ": data_offsets " + offsets + " are negative");
        if (begin > end) throw new CanalException(where + ": data_offsets " + offsets + " are reversed (begin > end)");
        if (end > dataSize) {
            throw new CanalException(where + ": data_offsets " + offsets + " reach past the end of the data section ("
                    + dataSize + " bytes; is the file truncated?)");
        }
        if (end - begin != bytes) {
            throw new CanalException(where + ": shape " + shapeNode + " of " + dtype + " needs " + bytes
                    + " bytes but data_offsets " + offsets + " span " + (end - begin) + " bytes");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Expects entries sorted by begin. Gaps between tensors are allowed; shared bytes are not. */
    private static void checkOverlaps(List<Entry> sorted, String file) {
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() == e.end()) continue; // an empty tensor owns no bytes
            if (previous != null && e.begin() < previous.end()) {
                throw new CanalException(file + ": tensors \"" + previous.name() + "\" [" + previous.begin() + ", "
                        + previous.end() + ") and \"" + e.name() + "\" [" + e.begin() + ", " + e.end()
                        + ") overlap in the data section");
            }
            previous = e;
        }
    }

    private static JsonNode required(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) throw new CanalException(where + ": missing \"" + field + "\"");
        return v;
    }

    private static boolean isLong(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong();
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
