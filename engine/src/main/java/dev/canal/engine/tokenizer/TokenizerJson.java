package dev.canal.engine.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer.json as the tokenizer builder reads it. Read from a file, {@code model.vocab} and {@code model.merges}
 * stream straight into a map and a list of pieces while everything else becomes a small tree: a tree of the whole
 * 9 MB Llama 3 file is 400,000 nodes (its cold parse alone took ~0.9 s); streamed, the whole tokenizer loaded ~15%
 * faster, with a third of the young-collection pause. Built from a tree (a vocabulary converted from a GGUF), both
 * tables are read from the tree.
 */
final class TokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode root;
    /** Streamed tables, or null when they are still in {@link #root}. */
    private final Map<String, Integer> streamedVocab;
    private final List<String> streamedMerges;

    private TokenizerJson(JsonNode root, Map<String, Integer> vocab, List<String> merges) {
        this.root = root;
        this.streamedVocab = vocab;
        this.streamedMerges = merges;
    }

    static TokenizerJson ofTree(JsonNode root) {
        return new TokenizerJson(root, null, null);
    }

    /** Streams {@code file}; malformed JSON or a table of the wrong shape is a CanalException naming the field. */
    static TokenizerJson read(Path file, TokenizerJsonReader reader) {
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw reader.error("(root)", "is not a JSON object");
            }
            ObjectNode root = JSON.createObjectNode();
            Map<String, Integer> vocab = null;
            List<String> merges = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (!name.equals("model") || value != JsonToken.START_OBJECT) {
                    root.set(name, JSON.readTree(p));
                    continue;
                }
                ObjectNode model = root.putObject("model");
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken fieldValue = p.nextToken();
                    if (field.equals("vocab") && fieldValue == JsonToken.START_OBJECT) {
                        vocab = streamVocab(p, reader);
                    } else if (field.equals("merges") && fieldValue == JsonToken.START_ARRAY) {
                        merges = streamMerges(p, reader);
                    } else {
                        model.set(field, JSON.readTree(p));
                    }
                }
            }
            return new TokenizerJson(root, vocab, merges);
        } catch (IOException e) {
            throw reader.unreadable(file, e);
        }
    }

    JsonNode root() {
        return root;
    }

    /** Whether the model lists merges (a BPE model when it names no type). */
    boolean hasMerges() {
        return streamedMerges != null || root.path("model").has("merges");
    }

    Map<String, Integer> vocab(TokenizerJsonReader reader) {
        return streamedVocab != null ? streamedVocab : reader.vocab(root.path("model"));
    }

    MergeTable merges(TokenizerJsonReader reader, Map<String, Integer> vocab) {
        List<String> pieces = streamedMerges != null ? streamedMerges : reader.mergePieces(root.path("model"));
        return reader.merges(pieces, vocab);
    }

    private static Map<String, Integer> streamVocab(JsonParser p, TokenizerJsonReader reader) throws IOException {
        Map<String, Integer> vocab = new HashMap<>(1 << 18);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            JsonToken id = p.nextToken();
            if (id != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
                throw reader.error("model.vocab[\"" + token + "\"]", "is not an integer id");
            }
            vocab.put(token, p.getIntValue());
        }
        if (vocab.isEmpty()) {
            throw reader.error("model.vocab", "is missing or empty; expected an object of token → id");
        }
        return vocab;
    }

    /** The merges as a flat list: left and right piece of rank 0, then of rank 1, ... */
    private static List<String> streamMerges(JsonParser p, TokenizerJsonReader reader) throws IOException {
        List<String> pieces = new ArrayList<>(1 << 20);
        for (int rank = 0; p.nextToken() != JsonToken.END_ARRAY; rank++) {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                reader.splitMerge(p.getText(), rank, pieces);
            } else if (p.currentToken() == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING) {
                pieces.add(p.getText());
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    throw reader.error("model.merges[" + rank + "]", "is neither \"a b\" nor [\"a\", \"b\"]");
                }
                pieces.add(p.getText());
                if (p.nextToken() != JsonToken.END_ARRAY) {
                    throw reader.error("model.merges[" + rank + "]", "is neither \"a b\" nor [\"a\", \"b\"]");
                }
            } else {
                throw reader.error("model.merges[" + rank + "]", "is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return pieces;
    }
}
