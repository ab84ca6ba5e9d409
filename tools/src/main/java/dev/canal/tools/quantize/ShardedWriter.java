package dev.canal.tools.quantize;

import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tensors into safetensors shards of about {@code shardBytes} each, in the order given, the way Hugging Face
 * lays out a saved model: one {@code model.safetensors}, or {@code model-0000i-of-0000n.safetensors} with
 * {@code model.safetensors.index.json}. The number of shards is known only at the end (quantized sizes depend on
 * the packer), so shards are written under part names and renamed when the last one is done. Tensors added together
 * (one quantized layer's qweight, qzeros and scales) stay in one shard.
 */
final class ShardedWriter {
    private static final Map<String, String> METADATA = Map.of("format", "pt");

    private final Path dir;
    private final long shardBytes;
    private final List<TensorData> pending = new ArrayList<>();
    private final List<Path> parts = new ArrayList<>();
    /** Tensor name → index of the part it was written to. */
    private final Map<String, Integer> partOf = new LinkedHashMap<>();
    private long pendingBytes;
    private long totalBytes;

    ShardedWriter(Path dir, long shardBytes) {
        this.dir = dir;
        this.shardBytes = shardBytes;
    }

    /** Adds tensors that belong together; a shard that would grow past the limit is written first. */
    void add(List<TensorData> tensors) {
        long bytes = 0;
        for (TensorData t : tensors) bytes += t.byteSize();
        if (!pending.isEmpty() && pendingBytes + bytes > shardBytes) flush();
        pending.addAll(tensors);
        pendingBytes += bytes;
        totalBytes += bytes;
    }

    /** Writes what is pending, names the shards and writes the index when there is more than one. */
    long finish() {
        if (!pending.isEmpty() || parts.isEmpty()) flush();
        try {
            if (parts.size() == 1) {
                Files.move(parts.getFirst(), dir.resolve("model.safetensors"));
                return totalBytes;
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, parts.size());
                Files.move(parts.get(i), dir.resolve(name));
                names.add(name);
            }
            Map<String, String> weightMap = new LinkedHashMap<>();
            partOf.forEach((tensor, part) -> weightMap.put(tensor, names.get(part)));
            SafetensorsWriter.writeIndex(dir, weightMap, totalBytes);
            return totalBytes;
        } catch (IOException e) {
            throw new dev.canal.engine.api.CanalException(dir + ": cannot name the shards (" + e.getMessage() + ")");
        }
    }

    private void flush() {
        Path part = dir.resolve(String.format("part-%05d.safetensors", parts.size() + 1));
        SafetensorsWriter.write(part, pending, METADATA);
        for (TensorData t : pending) partOf.put(t.name(), parts.size());
        parts.add(part);
        pending.clear();
        pendingBytes = 0;
    }
}
