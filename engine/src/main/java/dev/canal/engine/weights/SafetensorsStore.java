package dev.canal.engine.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The weights of a Hugging Face model directory: one {@code model.safetensors}, or the shards named by
 * {@code model.safetensors.index.json}, or failing both every {@code *.safetensors} file in the directory. All
 * files are mapped into one shared arena (tensors may be read from any thread) that {@link #close()} releases.
 */
public final class SafetensorsStore implements WeightStore {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final Arena arena;
    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;
    private boolean closed;

    private SafetensorsStore(String source, Arena arena, List<SafetensorsFile> files, Map<String, Tensor> tensors) {
        this.source = source;
        this.arena = arena;
        this.files = files;
        this.tensors = tensors;
    }

    /**
     * Opens the weights of a model directory (see the class comment for which files). A path to a single file is
     * accepted too and behaves like {@link #openFile(Path)}.
     */
    public static SafetensorsStore open(Path modelDir) {
        if (Files.isRegularFile(modelDir)) return openFile(modelDir);
        if (!Files.isDirectory(modelDir)) throw new CanalException(modelDir + ": no such model directory");
        Path index = modelDir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) return openIndexed(modelDir, index);
        Path single = modelDir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) return openFiles(modelDir.toString(), List.of(single));
        List<Path> any = listSafetensors(modelDir);
        if (any.isEmpty()) {
            throw new CanalException(modelDir + ": no " + SINGLE_FILE + " or " + INDEX_FILE);
        }
        return openFiles(modelDir.toString(), any);
    }

    /** Opens one safetensors file; {@link #source()} is the file's path. */
    public static SafetensorsStore openFile(Path file) {
        return openFiles(file.toString(), List.of(file));
    }

    private static SafetensorsStore openIndexed(Path dir, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        // Shards in first-mention order, each opened once however many tensors it holds.
        Map<String, Path> shards = new LinkedHashMap<>();
        Path root = dir.toAbsolutePath().normalize();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            String shardName = e.getValue();
            if (shards.containsKey(shardName)) continue;
            // An index must not reach outside its directory ("../../somewhere"): shards are siblings of it.
            Path shard = root.resolve(shardName).normalize();
            if (!root.equals(shard.getParent())) {
                throw new CanalException(index + ": shard \"" + shardName + "\" (for tensor \"" + e.getKey()
                        + "\") must name a file directly in " + dir);
            }
            if (!Files.isRegularFile(shard)) {
                throw new CanalException(index + ": shard \"" + shardName + "\" (for tensor \"" + e.getKey()
                        + "\") not found in " + dir);
            }
            shards.put(shardName, shard);
        }
        SafetensorsStore store = openFiles(dir.toString(), List.copyOf(shards.values()));
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            Tensor t = store.tensors.get(e.getKey());
            Path expected = shards.get(e.getValue());
            if (t == null || !store.fileOf(e.getKey()).equals(expected)) {
                store.close();
                throw new CanalException(index + ": tensor \"" + e.getKey() + "\" is listed in shard \"" + e.getValue()
                        + "\" but that file has no such tensor");
            }
        }
        return store;
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(index));
        } catch (NoSuchFileException e) {
            throw new CanalException(index + ": not found");
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new CanalException(index + ": not valid JSON: " + why);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new CanalException(index + ": expected an object with a \"weight_map\" object (tensor name → shard file)");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CanalException(index + ": weight_map entry \"" + e.getKey() + "\" must be a file name, found "
                        + e.getValue());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        if (out.isEmpty()) throw new CanalException(index + ": weight_map is empty (no tensors listed)");
        return out;
    }

    private static List<Path> listSafetensors(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors")) {
            for (Path p : ds) if (Files.isRegularFile(p)) out.add(p);
        } catch (IOException e) {
            throw new CanalException(dir + ": cannot list: " + e.getMessage());
        }
        Collections.sort(out);
        return out;
    }

    private static SafetensorsStore openFiles(String source, List<Path> paths) {
        Arena arena = Arena.ofShared();
        try {
            List<SafetensorsFile> files = new ArrayList<>();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, Path> owner = new LinkedHashMap<>();
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p, arena);
                files.add(f);
                for (Tensor t : f.tensors().values()) {
                    Path previous = owner.putIfAbsent(t.name(), p);
                    if (previous != null) {
                        throw new CanalException(source + ": tensor \"" + t.name() + "\" appears in both " + previous
                                + " and " + p);
                    }
                    tensors.put(t.name(), t);
                }
            }
            return new SafetensorsStore(source, arena, List.copyOf(files), Collections.unmodifiableMap(tensors));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The file that holds tensor {@code name}. */
    private Path fileOf(String name) {
        for (SafetensorsFile f : files) {
            if (f.tensors().containsKey(name)) return f.file();
        }
        throw new CanalException(source + ": missing tensor \"" + name + "\"");
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** All tensors by name: files in opening order, each file's tensors in data order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The mapped files, in opening order (for tools that show per-file metadata). */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** Unmaps every file; tensors obtained from this store must not be read afterwards. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }

    @Override
    public String toString() {
        return source + " (" + files.size() + " file(s), " + tensors.size() + " tensors)";
    }
}
