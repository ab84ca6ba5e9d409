#!/usr/bin/env bash
# Writes tools/src/test/resources/logits/*.json: reference logits of synth's tiny models (F32, seed 11), computed
# by numpy_forward.py. Needs a built tools/target/engine.jar, a JDK 25 as $JAVA (default: java), python3 + numpy.
# The RoPE-scaling variants edit config.json exactly as ReferenceLogitsTest does.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../../.." && pwd)
shared=${CANAL_SHARED:-$root/../shared}
out=$root/tools/src/test/resources/logits
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tokens=$(python3 -c "print(','.join(str((i * 7919 + 13) % 31999) for i in range(48)))")
synth() { # preset tokenizer
  "${JAVA:-java}" -jar "$root/tools/target/engine.jar" synth --preset "$1" --dtype f32 --seed 11 -o "$tmp/$1" \
    --tokenizer-dir "$shared/models/tokenizers/$2" 2>/dev/null
}
with_rope() { # from to rope-scaling-json
  cp -r "$tmp/$1" "$tmp/$2"
  python3 - "$tmp/$2/config.json" "$3" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["rope_scaling"] = json.loads(sys.argv[2])
json.dump(cfg, open(sys.argv[1], "w"), indent=2)
PY
}
synth tiny-llama llama3
synth tiny-mistral mistral
synth tiny-qwen2 qwen3
synth tiny-qwen3 qwen3
with_rope tiny-llama tiny-llama-rope-llama3 '{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}'
with_rope tiny-qwen2 tiny-qwen2-rope-linear '{"type": "linear", "factor": 2.0}'
for m in tiny-llama tiny-mistral tiny-qwen2 tiny-qwen3 tiny-llama-rope-llama3 tiny-qwen2-rope-linear; do
  python3 "$here/numpy_forward.py" "$tmp/$m" "$tokens" > "$out/$m.json"
done
