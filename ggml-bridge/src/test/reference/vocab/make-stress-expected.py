#!/usr/bin/env python3
"""Writes seeded random texts and llama.cpp's token ids for them: a stress corpus next to the curated one.

usage: make-stress-expected.py LLAMA_TOKENIZE GGUF_PY_DIR [GGUF_VOCAB_DIR]

LLAMA_TOKENIZE is a llama-tokenize binary built from llama.cpp (this script does not build it); GGUF_PY_DIR is the
gguf-py folder of the same llama.cpp checkout (to read the vocabularies' tokens). For the SentencePiece
vocabularies the texts are concatenations of random vocabulary pieces, which puts many competing merges of
similar score side by side (where llama.cpp's SPM algorithm and BPE-with-derived-merges could disagree); for the
byte-level ones they are random strings drawn from mixed scripts, digits, punctuation, emoji and Unicode spaces
(stressing the pre-tokenizer regexes). Output: ggml-bridge/src/test/resources/vocab/stress-expected.json,
{vocab: [[text, ids], ...]}, ids from `llama-tokenize --ids --no-escape --no-parse-special` with the BOS rule
of the vocabulary.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..', '..', '..'))
OUT = os.path.join(ROOT, 'ggml-bridge', 'src', 'test', 'resources', 'vocab', 'stress-expected.json')

SPM_VOCABS = ['llama-spm', 'phi-3', 'baichuan']
BPE_VOCABS = ['gpt-2', 'falcon', 'deepseek-llm', 'deepseek-coder', 'starcoder', 'mpt']
POOLS = ['abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789', '  \t\n\r',
         '.,;:!?\'"()[]{}<>-_+=*/\\|@#$%^&~`', 'éèàçüößñøåæœ', 'αβγδεζηθ', 'абвгдежзий',
         '的一是不了人我在有他这中大来上个国和地到以说时要就出会', 'あいうえおかきくけこアイウエオ', '가나다라마바사아자차',
         '😀🦙🚀✅❤️👍🏽', '\u00a0\u2003\u3000\u200b\u2028']


def tokenize(tool, vocab, text):
    with tempfile.NamedTemporaryFile('wb', suffix='.txt', delete=False) as f:
        f.write(text.encode('utf-8'))
        path = f.name
    try:
        out = subprocess.run([tool, '-m', vocab, '-f', path, '--ids', '--no-escape', '--no-parse-special',
                              '--log-disable'], capture_output=True, check=True).stdout.decode('utf-8')
    finally:
        os.unlink(path)
    return json.loads(out.strip().splitlines()[-1])


def normal_pieces(path):
    # gguf-py imports sentencepiece for its converters; reading a file does not need it.
    sys.modules.setdefault('sentencepiece', types.SimpleNamespace(SentencePieceProcessor=None))
    from gguf import GGUFReader
    r = GGUFReader(path)
    tokens = r.fields['tokenizer.ggml.tokens']
    types_ = r.fields['tokenizer.ggml.token_type']
    return [bytes(tokens.parts[t]).decode('utf-8') for t, k in zip(tokens.data, types_.data)
            if int(types_.parts[k][0]) == 1]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tool = sys.argv[1]
    sys.path.insert(0, sys.argv[2])
    vocab_dir = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, '..', 'shared', 'models', 'gguf-vocab')
    rng = random.Random(7)
    result = {}
    for name in SPM_VOCABS:
        path = os.path.join(vocab_dir, 'ggml-vocab-%s.gguf' % name)
        pieces = normal_pieces(path)
        texts = []
        for _ in range(120):
            s = ''.join(rng.choice(pieces) for _ in range(rng.randint(2, 8))).replace('\u2581', ' ')
            if rng.random() < 0.3:
                s = s[rng.randint(0, len(s) // 2):]
            if s:
                texts.append(s)
        result[name] = [[t, tokenize(tool, path, t)] for t in texts]
    for name in BPE_VOCABS:
        path = os.path.join(vocab_dir, 'ggml-vocab-%s.gguf' % name)
        texts = [''.join(rng.choice(rng.choice(POOLS)) for _ in range(rng.randint(3, 25))) for _ in range(80)]
        result[name] = [[t, tokenize(tool, path, t)] for t in texts]
    with open(OUT, 'w', encoding='utf-8') as f:
        json.dump(result, f, ensure_ascii=False)
        f.write('\n')
    print({k: len(v) for k, v in result.items()}, file=sys.stderr)


if __name__ == '__main__':
    main()
