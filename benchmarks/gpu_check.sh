#!/usr/bin/env bash
# The one prepared GPU check (H100 / H200): the training throughput benchmark, the dataset-loss benchmark (dataset_loss
# against the per-sequence loop, same run), then the CUDA tests.
# Run from anywhere:   bash benchmarks/gpu_check.sh        (PYTHON=... picks the interpreter; default python3)
# Needs torch with CUDA, numpy, matplotlib, tqdm, click, pytest; lmcore is imported from this checkout.
# Writes under $OUT (default dist/gpu_check): gpu.txt, train_throughput.jsonl, dataset_loss.json, cuda_tests.txt;
# prints one table last.
# Budget: about 6-8 minutes on an H100, most of it torch.compile; each part has its own timeout.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-dist/gpu_check}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

{ nvidia-smi -L; "$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
  "device", torch.cuda.get_device_name() if torch.cuda.is_available() else None)'; } 2>&1 | tee "$OUT/gpu.txt"

echo "== benchmarks/train_throughput.py (b: char model, a: GPT-2 small; baseline = nanoGPT recipe)"
timeout 330 "$PY" benchmarks/train_throughput.py --variant baseline,lmcore,lmcore-cudnn \
  2>"$OUT/train_throughput.stderr" | tee "$OUT/train_throughput.jsonl"
bench_rc=${PIPESTATUS[0]}
tail -n 20 "$OUT/train_throughput.stderr"

echo "== benchmarks/dataset_loss.py (dataset_loss vs the per-sequence loop, same run)"
timeout 120 "$PY" benchmarks/dataset_loss.py 2>"$OUT/dataset_loss.stderr" | tee "$OUT/dataset_loss.json"
loss_rc=${PIPESTATUS[0]}
tail -n 5 "$OUT/dataset_loss.stderr"

echo "== CUDA tests (pytest -m cuda)"
timeout 200 "$PY" -m pytest -q -m cuda -p no:cacheprovider tests/lmcore/test_train_cuda.py >"$OUT/cuda_tests.txt" 2>&1
tests_rc=$?
tail -n 25 "$OUT/cuda_tests.txt"

echo "== summary (train rc=$bench_rc, dataset_loss rc=$loss_rc, tests rc=$tests_rc)"
"$PY" - "$OUT/train_throughput.jsonl" "$OUT/dataset_loss.json" "$OUT/cuda_tests.txt" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
loss = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
tests = [l.strip() for l in open(sys.argv[3]) if any(w in l for w in (" passed", " failed", " error", " skipped"))][-1:]
print(f"{'config':8} {'variant':9} {'ms/iter':>9} {'tokens/s':>11} {'MFU':>6} {'vs ref':>7} {'vs base':>7}  device")
for r in rows:
    mfu = f"{100 * r['mfu']:.1f}%" if r.get("mfu") is not None else "-"
    print(f"{r['name']:8} {r['variant']:9} {r['ms_per_iter']:9.2f} {r['tokens_per_s']:11,} {mfu:>6} "
          f"{r.get('ratio_vs_reference', '-'):>7} {r.get('speedup_vs_baseline_same_run', '-'):>7}  {r['device']}")
for r in loss:
    print(f"dataset_loss {r['dataset_loss_s']:.3f} s vs per-sequence loop {r['per_sequence_loop_s']:.3f} s: "
          f"{r['speedup_vs_loop']}x (goal >= 10x), vs padded in order {r['speedup_vs_padded']}x  {r['device']}")
print("CUDA tests:", tests[0] if tests else "no result")
EOF
exit $(( bench_rc != 0 || loss_rc != 0 || tests_rc != 0 ))
