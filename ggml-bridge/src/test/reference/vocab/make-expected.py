#!/usr/bin/env python3
"""Writes the expected token ids of every GGUF vocabulary for the corpus, as llama.cpp's tokenizer produces them.

usage: make-expected.py LLAMA_TOKENIZE [GGUF_VOCAB_DIR [VOCAB_NAME ...]]

LLAMA_TOKENIZE is a llama-tokenize binary built from llama.cpp (this script does not build it); GGUF_VOCAB_DIR
defaults to ../shared/models/gguf-vocab beside the checkout. VOCAB_NAMEs (e.g. bert-bge) limit the run to those
vocabularies; without them every ggml-vocab-*.gguf is done (the WordPiece one, ggml-vocab-bert-bge, included). For each ggml-vocab-*.gguf and each text of
ggml-bridge/src/test/resources/vocab/corpus.json it runs

    llama-tokenize -m VOCAB -f TEXT_FILE --ids --no-escape --no-parse-special --log-disable

(the model's own BOS rule applies; the text goes through a file so that bytes arrive unchanged), and the same
without --no-parse-special for the corpus's special_texts, and writes
ggml-bridge/src/test/resources/vocab/expected/<vocab>.json ("ids" and "special_ids", one list per text). A
vocabulary llama.cpp cannot load is recorded with its error instead of ids.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..', '..', '..'))
RESOURCES = os.path.join(ROOT, 'ggml-bridge', 'src', 'test', 'resources', 'vocab')


def tokenize(tool, vocab, text, parse_special=False):
    with tempfile.NamedTemporaryFile('wb', suffix='.txt', delete=False) as f:
        f.write(text.encode('utf-8'))
        path = f.name
    try:
        args = [tool, '-m', vocab, '-f', path, '--ids', '--no-escape', '--log-disable']
        if not parse_special:
            args.append('--no-parse-special')
        out = subprocess.run(args, capture_output=True, check=True).stdout.decode('utf-8')
    finally:
        os.unlink(path)
    # The ids are printed as a Python list on the last line.
    return json.loads(out.strip().splitlines()[-1])


def version(tool):
    r = subprocess.run([tool, '--version'], capture_output=True)
    return (r.stdout + r.stderr).decode('utf-8', 'replace').strip()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    tool = sys.argv[1]
    vocab_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, '..', 'shared', 'models', 'gguf-vocab')
    only = {'ggml-vocab-' + v + '.gguf' for v in sys.argv[3:]}
    corpus = json.load(open(os.path.join(RESOURCES, 'corpus.json'), encoding='utf-8'))
    texts = corpus['texts']
    special_texts = corpus['special_texts']
    os.makedirs(os.path.join(RESOURCES, 'expected'), exist_ok=True)
    for name in sorted(os.listdir(vocab_dir)):
        if not (name.startswith('ggml-vocab-') and name.endswith('.gguf')) or (only and name not in only):
            continue
        vocab = os.path.join(vocab_dir, name)
        result = {'vocab': name, 'tool': 'llama-tokenize --ids --no-escape [--no-parse-special] (model BOS rule)'}
        try:
            result['ids'] = [tokenize(tool, vocab, t) for t in texts]
            result['special_ids'] = [tokenize(tool, vocab, t, parse_special=True) for t in special_texts]
        except subprocess.CalledProcessError as e:
            result['error'] = e.stderr.decode('utf-8', 'replace').strip().splitlines()[-1:]
        out = os.path.join(RESOURCES, 'expected', name[:-len('.gguf')] + '.json')
        with open(out, 'w', encoding='utf-8') as f:
            json.dump(result, f, ensure_ascii=False)
            f.write('\n')
        print(name, 'error' if 'error' in result else len(result['ids']), file=sys.stderr)


if __name__ == '__main__':
    main()
