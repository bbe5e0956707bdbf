#!/usr/bin/env bash
# Side-by-side analysis benchmarks: embedscope's whole `project` command (file reading included)
# against the peer's fit alone, on the same seeded planted-cluster data, in one run. Prints one
# JSON line per measurement; docs/benchmarks/analysis.md quotes them.
#   bench/peers/run_analysis_bench.sh BUILD_DIR WORK_DIR [which...]   which: pca tsne5k tsne10k umap10k tsne100k
set -euo pipefail
build=${1:?build dir}
work=${2:?work dir}
shift 2
which=${*:-pca tsne5k tsne10k umap10k}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/app/embedscope
peer="/usr/bin/python3 $here/analysis_peers.py"
export OPENBLAS_CORETYPE=SkylakeX
mkdir -p "$work"
cd "$work"
load() { cut -d' ' -f1-3 /proc/loadavg; }
data() { [ -f "$1.npy" ] || $peer data "$2" "$3" 0 "$1.npy" >/dev/null; }
ours() {  # name method file extra...
  local name=$1 method=$2 file=$3
  shift 3
  local t
  t=$( { /usr/bin/time -f "%e %U %S" "$bin" project --vectors "$file.npy" --method "$method" --save "$name.ours.tsv" "$@" >/dev/null; } 2>&1 | tail -1)
  read -r wall user sys <<<"$t"
  local trust
  trust=$($peer trust "$file.npy" "$name.ours.tsv" --labels "${file}_labels.npy")
  echo "{\"bench\": \"$name\", \"who\": \"embedscope\", \"wall_s\": $wall, \"cpu_s\": $(awk "BEGIN { printf \"%.2f\", $user + $sys }"), \"quality\": $trust, \"load\": \"$(load)\"}"
}
theirs() {  # name peer file extra...
  local name=$1 kind=$2 file=$3
  shift 3
  local j trust
  j=$($peer "$kind" "$file.npy" "$name.peer.tsv" "$@")
  trust=$($peer trust "$file.npy" "$name.peer.tsv" --labels "${file}_labels.npy")
  echo "{\"bench\": \"$name\", \"who\": \"peer\", \"fit\": $j, \"quality\": $trust, \"load\": \"$(load)\"}"
}
for w in $which; do
  case $w in
    pca) data g100k_128 100000 128; ours pca100k pca g100k_128; theirs pca100k pca g100k_128 ;;
    # t-SNE: ours on one thread and on both cores (scikit-learn's Barnes-Hut uses both), then the peer
    tsne5k) data c5k_64 5000 64; ours tsne5k tsne c5k_64; ours tsne5k_2threads tsne c5k_64 --threads 2
            theirs tsne5k tsne c5k_64 ;;
    tsne10k) data c10k_64 10000 64; ours tsne10k tsne c10k_64; ours tsne10k_2threads tsne c10k_64 --threads 2
             theirs tsne10k tsne c10k_64 ;;
    umap10k) data c10k_64 10000 64; ours umap10k umap c10k_64; theirs umap10k umap c10k_64 --warm ;;
    tsne100k)  # too large for scikit-learn's O(N^2) trustworthiness: our sampled figure instead
      data c100k_64 100000 64
      t=$( { /usr/bin/time -f "%e %U %S" "$bin" project --vectors c100k_64.npy --method tsne --save tsne100k.ours.tsv --threads 2 >/dev/null; } 2>&1 | tail -1)
      read -r wall user sys <<<"$t"
      trust=$($peer trust c100k_64.npy tsne100k.ours.tsv --labels c100k_64_labels.npy)
      echo "{\"bench\": \"tsne100k\", \"who\": \"embedscope\", \"threads\": 2, \"wall_s\": $wall, \"cpu_s\": $(awk "BEGIN { printf \"%.2f\", $user + $sys }"), \"quality_10k_subset\": $trust, \"load\": \"$(load)\"}" ;;
  esac
done
