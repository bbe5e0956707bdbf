#!/usr/bin/env bash
# Skip-gram side by side: Embedscope's SGNS trainer against Debian's fastText
# (`fasttext skipgram -minn 0 -maxn 0 -t 1e-4`, i.e. plain word vectors) with the same dim,
# window, negatives, epochs, threads, learning rate and min_count, on the same tokenized text,
# timed end to end (process start to vectors written, both writing input and output vectors),
# repetitions interleaved so a busy machine slows both alike; medians are quoted. Quality is
# scored by one script for both (bench/peers/skipgram_eval.py) on what training never saw:
#   topics  neighbour purity@10 and planted-analogy accuracy against the preset's ground truth;
#   vimdoc  Vim's documentation (Debian's vim-runtime, /usr/share/vim/vim*/doc/*.txt), every 10th
#           line held out: held-out context log-likelihood and top-1 context prediction.
# Usage: bench/peers/fasttext_peer.sh [BUILD_DIR]   (env: REPEATS=3 THREADS="1 2" WORK=/tmp/...
#        INIT_LIMIT=0 (default): Embedscope's start is the skip-gram task's default, word2vec's
#        uniform(±0.5/dim); INIT_LIMIT=L starts at RandomUniform(-L, L): 0.05 is Keras's
#        default, 0.01 fastText's own ±1/dim)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
ours=$build/bench/embedscope_bench_skipgram
eval_py=$here/bench/peers/skipgram_eval.py
repeats=${REPEATS:-3}
threads_list=${THREADS:-"1 2"}
work=${WORK:-$(mktemp -d /tmp/skipgram_peer.XXXXXX)}
mkdir -p "$work"
command -v fasttext >/dev/null || { echo "fasttext not installed (apt install fasttext)" >&2; exit 77; }
[ -x "$ours" ] || { echo "build $ours first (cmake --build $build --target embedscope_bench_skipgram)" >&2; exit 1; }

dim=100 ws=5 neg=5 epochs=5 lr=0.05 t=1e-4 mincount=5
init_limit=${INIT_LIMIT:-0}

# The corpora, tokenized by Embedscope's tokenizer (lowercase, letters/digits), one sentence per line,
# so both tools read exactly the same words.
"$ours" --preset topics --epochs 1 --write-text "$work/topics.txt" --truth "$work/topics_truth.json" >/dev/null
cat /usr/share/vim/vim*/doc/*.txt > "$work/vimdoc_raw.txt"
"$ours" --corpus "$work/vimdoc_raw.txt" --epochs 1 --write-text "$work/vimdoc_tok.txt" >/dev/null
awk 'NR % 10 != 0' "$work/vimdoc_tok.txt" > "$work/vimdoc_train.txt"
awk 'NR % 10 == 0' "$work/vimdoc_tok.txt" > "$work/vimdoc_heldout.txt"

now() { date +%s.%N; }
median() { python3 -c 'import sys,statistics;print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

for corpus in topics vimdoc; do
  train=$work/$corpus.txt
  [ "$corpus" = vimdoc ] && train=$work/vimdoc_train.txt
  tokens=$(wc -w < "$train")
  for th in $threads_list; do
    es=() ft=()
    for rep in $(seq "$repeats"); do
      s=$(now)
      "$ours" --corpus "$train" --dim $dim --window $ws --negative $neg --epochs $epochs --threads "$th" --lr $lr \
        --sample $t --min-count $mincount --seed "$rep" --init-limit "$init_limit" \
        --save-vec "$work/es_$corpus.vec" --save-context "$work/es_$corpus.ctx.vec" >"$work/es_$corpus.json"
      es+=("$(echo "$(now) - $s" | bc)")
      s=$(now)
      fasttext skipgram -input "$train" -output "$work/ft_$corpus" -minn 0 -maxn 0 -t $t -dim $dim -ws $ws -neg $neg \
        -epoch $epochs -thread "$th" -lr $lr -minCount $mincount -saveOutput -seed "$rep" -verbose 0
      ft+=("$(echo "$(now) - $s" | bc)")
    done
    mes=$(median "${es[@]}") mft=$(median "${ft[@]}")
    if [ "$corpus" = topics ]; then
      qes=$(/usr/bin/python3 "$eval_py" topics --vec "$work/es_$corpus.vec" --truth "$work/topics_truth.json")
      qft=$(/usr/bin/python3 "$eval_py" topics --vec "$work/ft_$corpus.vec" --truth "$work/topics_truth.json")
    else
      qes=$(/usr/bin/python3 "$eval_py" heldout --vec "$work/es_$corpus.vec" --context "$work/es_$corpus.ctx.vec" \
        --text "$work/vimdoc_heldout.txt" --counts-from "$train" --alpha 0.75 --common "$work/ft_$corpus.vec")
      qft=$(/usr/bin/python3 "$eval_py" heldout --vec "$work/ft_$corpus.vec" --context "$work/ft_$corpus.output" \
        --text "$work/vimdoc_heldout.txt" --counts-from "$train" --alpha 0.5 --common "$work/es_$corpus.vec")
    fi
    printf '{"corpus": "%s", "tokens": %s, "threads": %s, "repeats": %s, "embedscope_seconds": %.3f, "fasttext_seconds": %.3f, "speedup": %.2f, "embedscope_runs": "%s", "fasttext_runs": "%s", "embedscope_quality": %s, "fasttext_quality": %s}\n' \
      "$corpus" "$tokens" "$th" "$repeats" "$mes" "$mft" "$(echo "$mft / $mes" | bc -l)" "${es[*]}" "${ft[*]}" "$qes" "$qft"
  done
done
