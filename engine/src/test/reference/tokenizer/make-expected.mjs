// Generates engine/src/test/resources/tokenizer/expected-<name>.json with the reference tokenizer
// (@lenml/tokenizers, a dependency-free port of the Hugging Face tokenizers used by transformers.js).
//
//   cd engine/src/test/reference/tokenizer && npm install && node make-expected.mjs
//
// For every corpus text it records the ids for addSpecialTokens x parseSpecial and the decodes of those ids.
// The reference has no split_special_tokens switch (it always recognises every added token, as HF Python's
// default encode() does), so parseSpecial=false is produced by a second instance whose added-token splitter
// only knows the non-special added tokens: special tokens written in text are then tokenized as plain text,
// which is what HF's split_special_tokens=True does.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TokenizerLoader } from "@lenml/tokenizers";

const here = dirname(fileURLToPath(import.meta.url));
const engine = resolve(here, "../../../..");
const models = resolve(engine, "../../shared/models");
const out = resolve(engine, "src/test/resources/tokenizer");

const TOKENIZERS = {
  qwen3: "tokenizers/qwen3",
  llama3: "tokenizers/llama3",
  mistral: "tokenizers/mistral",
  stories260K: "stories260K-hf-derived",
};

const handWritten = JSON.parse(readFileSync(resolve(out, "corpus.json"), "utf8")).texts;

// Seeded random texts glued from fragments that stress the split regexes, normalization, byte fallback and
// added-token matching (same seed, same texts: the output is reproducible).
const FRAGMENTS = [
  "a", "Z", "the", " word", "Hello", "WORLD", "x1", "123", "4567", "3.14", "0", " 42", "'s", "'S", "'ll", "'VE",
  "'re", "'d", "'m", "'t", "n't", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\u00a0", "\u3000",
  "\u2003", ".", ",", "!?", "...", "(", ")", "{", "}", "#", "@", "$", "%", "&&", "->", "=>", "::", "\"", "'", "`",
  "_", "-", "--", "/*", "*/", "//", "你", "好", "世界", "日本語", "カタカナ", "ひらがな", "한국어", "مرحبا", "العالم",
  "नमस्ते", "हिन्दी", "é", "e\u0301", "ß", "ﬁ", "Å", "ñ", "😀", "👍🏽", "👨‍👩‍👧", "❤️", "🇫🇷", "\u200d", "\u200b",
  "€", "£", "½", "²", "Ⅻ", "٣", "০", "<s>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>", "<|endoftext|>",
  "<|begin_of_text|>", "<|eot_id|>", "<think>", "</think>", "<tool_call>", "<0x41>", "\u2581", "▁▁",
];

function mulberry32(seed) {
  return function () {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTexts(count, seed) {
  const rnd = mulberry32(seed);
  const texts = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(rnd() * 12);
    let s = "";
    for (let j = 0; j < n; j++) s += FRAGMENTS[Math.floor(rnd() * FRAGMENTS.length)];
    texts.push(s);
  }
  return texts;
}

const corpus = [...handWritten, ...randomTexts(150, 20240601)];

function load(dir) {
  const tokenizerJSON = JSON.parse(readFileSync(resolve(models, dir, "tokenizer.json"), "utf8"));
  const tokenizerConfig = JSON.parse(readFileSync(resolve(models, dir, "tokenizer_config.json"), "utf8"));
  return TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });
}

/** Same tokenizer, but special added tokens in the text are not split out (HF split_special_tokens=True). */
function loadWithoutSpecialSplitting(dir) {
  const tok = load(dir);
  const plain = tok.added_tokens.filter((t) => !t.special);
  const splitter = tok.added_tokens_splitter.constructor;
  tok.added_tokens_splitter = new splitter(plain.map((t) => t.content));
  tok.added_tokens_map = new Map(plain.map((t) => [t.content, t]));
  return tok;
}

function decode(tok, ids, skip) {
  // The reference refuses to decode an empty list; the empty text is the only sensible answer.
  return ids.length === 0 ? "" : tok.decode(ids, { skip_special_tokens: skip });
}

for (const [name, dir] of Object.entries(TOKENIZERS)) {
  const tok = load(dir);
  const noSplit = loadWithoutSpecialSplitting(dir);
  const cases = corpus.map((text) => {
    const withSpecial = tok.encode(text, { add_special_tokens: true });
    const plain = tok.encode(text, { add_special_tokens: false });
    const noSplitWithSpecial = noSplit.encode(text, { add_special_tokens: true });
    const noSplitPlain = noSplit.encode(text, { add_special_tokens: false });
    return {
      text,
      ids: { addSpecial_parseSpecial: withSpecial, plain_parseSpecial: plain,
             addSpecial_noParseSpecial: noSplitWithSpecial, plain_noParseSpecial: noSplitPlain },
      decoded: { addSpecial_parseSpecial: decode(tok, withSpecial, false),
                 addSpecial_parseSpecial_skipSpecial: decode(tok, withSpecial, true),
                 plain_noParseSpecial: decode(tok, noSplitPlain, false) },
    };
  });
  const file = resolve(out, `expected-${name}.json`);
  const json = JSON.stringify({ tokenizer: dir, reference: "@lenml/tokenizers@3.7.2", cases }, null, 1)
    .replace(/\[[\d,\s]*\]/g, (ids) => ids.replace(/\s+/g, "")); // one line per id list keeps diffs readable
  writeFileSync(file, json + "\n");
  console.log(`${file}: ${cases.length} cases`);
}
