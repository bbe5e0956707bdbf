#!/usr/bin/python3
"""Scores word vectors the same way whoever trained them (Embedscope or fastText).

  skipgram_eval.py topics  --vec X.vec --truth truth.json
      neighbour purity@10 (cosine, whole vocabulary) and planted-analogy accuracy (3CosAdd,
      a, b, c excluded) on the `topics` preset's ground truth.
  skipgram_eval.py heldout --vec X.vec --context X.ctx.vec --text heldout.txt \
                           --counts-from train.txt --alpha 0.75 [--window 5] [--common Y.vec]
      held-out context prediction: for (centre, context) pairs within the window of text the
      model never saw, the negative log-likelihood of the true context under the distribution
      the SGNS objective implies, p(c|w) ∝ q(c)·exp(in[w]·out[c]) with q = unigram^alpha of the
      training text (alpha = the tool's negative-sampling power), over the whole vocabulary; and
      how often the true context is the most likely word. Only words in the vocabulary of every
      model passed with --common are used, so two tools are scored on the same pairs.
Prints one JSON object.
"""
import argparse
import json
import sys

import numpy as np


def load_vec(path):
    with open(path, encoding="utf-8") as f:
        header = f.readline().split()
        dim = int(header[1])
        words, rows = [], []
        for line in f:
            parts = line.rstrip("\n").split(" ")
            if len(parts) < dim + 1:
                continue
            words.append(parts[0])
            rows.append(np.asarray(parts[1 : dim + 1], dtype=np.float32))
    return words, np.vstack(rows)


def unit(m):
    n = np.linalg.norm(m, axis=1, keepdims=True)
    n[n == 0] = 1
    return m / n


def topics(args):
    words, m = load_vec(args.vec)
    truth = json.load(open(args.truth))
    clusters = truth["clusters"]
    keep = [i for i, w in enumerate(words) if w != "</s>"]
    words = [words[i] for i in keep]
    m = unit(m[keep])
    index = {w: i for i, w in enumerate(words)}
    sims = m @ m.T
    np.fill_diagonal(sims, -np.inf)
    purities = []
    for w, c in clusters.items():
        if w not in index:
            continue
        top = np.argsort(-sims[index[w]], kind="stable")[:10]
        purities.append(np.mean([clusters.get(words[j], -1) == c for j in top]))
    correct = evaluated = 0
    for a, b, c, d in truth["analogies"]:
        if not all(x in index for x in (a, b, c, d)):
            continue
        v = m[index[a]] - m[index[b]] + m[index[c]]
        s = m @ v
        for x in (a, b, c):
            s[index[x]] = -np.inf
        evaluated += 1
        correct += int(np.argmax(s) == index[d])
    print(json.dumps({"purity_at_10": float(np.mean(purities)), "words": len(purities),
                      "analogy_accuracy": correct / max(evaluated, 1), "analogies": evaluated}))


def heldout(args):
    words, win = load_vec(args.vec)
    cwords, wout = load_vec(args.context)
    cindex = {w: i for i, w in enumerate(cwords)}
    allowed = set(words) & set(cwords)
    for extra in args.common or []:
        allowed &= set(load_vec(extra)[0])
    allowed.discard("</s>")
    index = {w: i for i, w in enumerate(words)}
    vocab = sorted(allowed)
    vid = {w: i for i, w in enumerate(vocab)}
    IN = win[[index[w] for w in vocab]]
    OUT = wout[[cindex[w] for w in vocab]]
    centres, contexts = [], []
    with open(args.text, encoding="utf-8") as f:
        for line in f:
            ids = [vid[w] for w in line.split() if w in vid]
            for i, w in enumerate(ids):
                for j in range(max(0, i - args.window), min(len(ids), i + args.window + 1)):
                    if j != i:
                        centres.append(w)
                        contexts.append(ids[j])
    centres = np.asarray(centres)
    contexts = np.asarray(contexts)
    # Held-out log-likelihood with the model's own noise prior: at the SGNS optimum
    # in[w]·out[c] = log(p(c|w) / (k·q(c))) with q = unigram^alpha (Levy & Goldberg 2014), so
    # p(c|w) ∝ q(c)·exp(in[w]·out[c]), normalised over the vocabulary. Each tool passes the
    # alpha it samples negatives with (word2vec/Embedscope 0.75, fastText 0.5); q comes from the
    # training text's counts.
    train_counts = np.zeros(len(vocab))
    with open(args.counts_from, encoding="utf-8") as f:
        for line in f:
            for w in line.split():
                i = vid.get(w)
                if i is not None:
                    train_counts[i] += 1
    logq = args.alpha * np.log(np.maximum(train_counts, 1))
    logq -= np.log(np.sum(np.exp(logq)))
    rng = np.random.default_rng(12345)
    pick = rng.choice(len(centres), size=min(args.pairs, len(centres)), replace=False)
    nll = 0.0
    top1 = 0
    for start in range(0, len(pick), 2000):
        sel = pick[start:start + 2000]
        logits = IN[centres[sel]] @ OUT.T + logq[None, :]
        mx = logits.max(axis=1, keepdims=True)
        lse = (mx[:, 0] + np.log(np.exp(logits - mx).sum(axis=1)))
        nll += float(np.sum(lse - logits[np.arange(len(sel)), contexts[sel]]))
        top1 += int(np.sum(np.argmax(logits, axis=1) == contexts[sel]))
    print(json.dumps({"heldout_nll": nll / len(pick), "heldout_top1": top1 / len(pick),
                      "pairs": int(len(pick)), "words": len(vocab), "alpha": args.alpha}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["topics", "heldout"])
    ap.add_argument("--vec", required=True)
    ap.add_argument("--truth")
    ap.add_argument("--context")
    ap.add_argument("--text")
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--common", action="append")
    ap.add_argument("--counts-from")
    ap.add_argument("--alpha", type=float, default=0.75)
    ap.add_argument("--pairs", type=int, default=50000)
    args = ap.parse_args()
    topics(args) if args.mode == "topics" else heldout(args)


if __name__ == "__main__":
    sys.exit(main())
