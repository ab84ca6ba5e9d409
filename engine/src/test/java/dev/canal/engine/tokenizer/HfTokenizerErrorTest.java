package dev.canal.engine.tokenizer;

import dev.canal.engine.api.CanalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A broken tokenizer.json gives one clear line that names the file and what was wrong. */
class HfTokenizerErrorTest {
    private static final String VOCAB = "{\"a\": 0, \"b\": 1, \"ab\": 2}";

    @TempDir
    Path dir;

    @Test
    void invalidJson() throws IOException {
        CanalException e = failLoading("{\"model\": {\"type\": \"BPE\", ");
        assertMessage(e, "tokenizer.json", "not valid JSON");
    }

    @Test
    void wordPieceWithoutUnknownToken() throws IOException {
        CanalException e = failLoading("{\"model\": {\"type\": \"WordPiece\", \"vocab\": " + VOCAB + "}}");
        assertMessage(e, "tokenizer.json", "model.unk_token", "WordPiece needs it");
    }

    @Test
    void unigramIsRejectedNamingTheSupportedTypes() throws IOException {
        CanalException e = failLoading("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1.0]]}}");
        assertMessage(e, "tokenizer.json", "\"Unigram\"", "supported model types: BPE, WordPiece");
    }

    @Test
    void missingVocab() throws IOException {
        CanalException e = failLoading("{\"model\": {\"type\": \"BPE\", \"merges\": []}}");
        assertMessage(e, "tokenizer.json", "model.vocab", "missing");
    }

    @Test
    void missingMerges() throws IOException {
        CanalException e = failLoading("{\"model\": {\"type\": \"BPE\", \"vocab\": " + VOCAB + "}}");
        assertMessage(e, "tokenizer.json", "model.merges");
    }

    @Test
    void mergeOfUnknownPiece() throws IOException {
        CanalException e = failLoading("{\"model\": {\"type\": \"BPE\", \"vocab\": " + VOCAB
                + ", \"merges\": [\"a b\", \"b c\"]}}");
        assertMessage(e, "tokenizer.json", "model.merges[1]", "not in model.vocab");
    }

    @Test
    void vocabularyIdThatIsNotAnInteger() throws IOException {
        CanalException e = failLoading("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": \"one\"}, "
                + "\"merges\": []}}");
        assertMessage(e, "tokenizer.json", "model.vocab[\"b\"]", "not an integer id");
    }

    @Test
    void mergeThatIsNeitherAStringNorAPair() throws IOException {
        CanalException e = failLoading("{\"model\": {\"type\": \"BPE\", \"vocab\": " + VOCAB
                + ", \"merges\": [[\"a\", \"b\"], [\"a\"]]}}");
        assertMessage(e, "tokenizer.json", "model.merges[1]", "neither");
    }

    @Test
    void mergeWithoutASpace() throws IOException {
        CanalException e = failLoading("{\"model\": {\"type\": \"BPE\", \"vocab\": " + VOCAB
                + ", \"merges\": [\"ab\"]}}");
        assertMessage(e, "tokenizer.json", "model.merges[0]", "not two pieces");
    }

    @Test
    void unsupportedPreTokenizer() throws IOException {
        CanalException e = failLoading("{\"model\": {\"type\": \"BPE\", \"vocab\": " + VOCAB
                + ", \"merges\": [[\"a\", \"b\"]]}, \"pre_tokenizer\": {\"type\": \"UnicodeScripts\"}}");
        assertMessage(e, "tokenizer.json", "pre_tokenizer", "\"UnicodeScripts\"", "supported");
    }

    @Test
    void missingFile() {
        CanalException e = assertThrows(CanalException.class, () -> HfTokenizer.load(dir.resolve("absent.json")));
        assertMessage(e, "absent.json", "not found");
    }

    @Test
    void minimalTokenizerLoadsAndMerges() throws IOException {
        // The same little file, valid this time, to show the errors above come from what was broken.
        Path file = write("{\"model\": {\"type\": \"BPE\", \"vocab\": " + VOCAB + ", \"merges\": [[\"a\", \"b\"]]}}");
        HfTokenizer tok = HfTokenizer.load(file);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 0}, tok.encode("aba", true, true));
    }

    private CanalException failLoading(String json) throws IOException {
        Path file = write(json);
        return assertThrows(CanalException.class, () -> HfTokenizer.load(file));
    }

    private Path write(String json) throws IOException {
        return Files.writeString(dir.resolve("tokenizer.json"), json);
    }

    private static void assertMessage(CanalException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message \"" + e.getMessage() + "\" lacks \"" + p + "\"");
        }
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
