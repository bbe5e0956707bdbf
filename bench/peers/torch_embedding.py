#!/usr/bin/python3
"""PyTorch peer of `embedscope bench --suite cpu`: the same shapes, ids and model, measured the
same way (median of N timed repetitions after one warm-up), printed as the same JSON records with
"peer": "torch".

  gather          nn.Embedding forward, allocating its output (what a model does)
  gather_into     torch.index_select(table, 0, ids, out=preallocated)
  classify_step   Embedding -> mean over L -> Linear(2) -> cross-entropy, forward, backward, step:
                  sgd = nn.Embedding(sparse=True) + SGD; adam = dense Adam; adam-lazy = SparseAdam
                  for the table + Adam for the head.

--clock thread times with this thread's CPU time (with --threads 1 PyTorch runs its kernels on the
calling thread), which leaves out the time a shared machine gives to other processes.

Run with Debian's python3 (python3-torch): /usr/bin/python3 bench/peers/torch_embedding.py --json
"""
import argparse
import json
import time

import numpy as np
import torch


def make_ids(n, vocab, zipf, seed):
    rng = np.random.default_rng(seed)
    if not zipf:
        return torch.from_numpy(rng.integers(0, vocab, size=n, dtype=np.int64))
    w = np.arange(1, vocab + 1, dtype=np.float64) ** -1.1
    cdf = np.cumsum(w)
    perm = rng.permutation(vocab)
    ranks = np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), vocab - 1)
    return torch.from_numpy(perm[ranks].astype(np.int64))


CLOCK = time.perf_counter


def median_time(repeats, fn):
    fn()
    ts = []
    for _ in range(repeats):
        t = CLOCK()
        fn()
        ts.append(CLOCK() - t)
    return float(np.median(ts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", default="")
    ap.add_argument("--clock", choices=("wall", "thread"), default="wall",
                    help="thread: this thread's CPU time (time.thread_time), as `embedscope bench --clock thread`")
    a = ap.parse_args()
    global CLOCK
    CLOCK = time.thread_time if a.clock == "thread" else time.perf_counter
    torch.set_num_threads(a.threads)
    shapes = [(10000, 32)] if a.quick else [(100000, 128), (1000000, 64)]
    rows, length = (256 if a.quick else 4096), 32
    out = []

    def rec(name, value, unit, **fields):
        r = {"name": name, "value": value, "unit": unit, "peer": "torch", "torch": torch.__version__}
        r.update(fields)
        r["threads"] = a.threads
        r["clock"] = "thread_cpu" if a.clock == "thread" else "wall"
        out.append(r)

    for vocab, dim in shapes:
        table = torch.empty(vocab, dim).uniform_(-0.05, 0.05)
        for zipf in (False, True):
            kind = "zipf" if zipf else "uniform"
            shape = dict(vocab=vocab, dim=dim, batch=rows, length=length, ids=kind)
            if a.only in ("", "gather"):
                ids = make_ids(rows * length, vocab, zipf, 2)
                emb = torch.nn.Embedding.from_pretrained(table, freeze=True)
                nbytes = rows * length * dim * 4
                with torch.no_grad():
                    t = median_time(a.repeats, lambda: emb(ids))
                    rec("gather", nbytes / t / 1e9, "GB/s", **shape)
                    dst = torch.empty(rows * length, dim)
                    t = median_time(a.repeats, lambda: torch.index_select(table, 0, ids, out=dst))
                    rec("gather_into", nbytes / t / 1e9, "GB/s", **shape)
            if a.only in ("", "classify_step"):
                ids = make_ids(rows * length, vocab, zipf, 3).view(rows, length)
                labels = torch.from_numpy(np.random.default_rng(4).integers(0, 2, rows))
                for opt in ("sgd", "adam", "adam-lazy"):
                    emb = torch.nn.Embedding(vocab, dim, sparse=(opt != "adam"))
                    with torch.no_grad():
                        emb.weight.copy_(table)
                    head = torch.nn.Linear(dim, 2)
                    if opt == "sgd":
                        opts = [torch.optim.SGD(list(emb.parameters()) + list(head.parameters()), lr=0.01)]
                    elif opt == "adam":
                        opts = [torch.optim.Adam(list(emb.parameters()) + list(head.parameters()), lr=0.001, eps=1e-7)]
                    else:
                        opts = [torch.optim.SparseAdam(list(emb.parameters()), lr=0.001, eps=1e-7),
                                torch.optim.Adam(head.parameters(), lr=0.001, eps=1e-7)]

                    def step():
                        for o in opts:
                            o.zero_grad(set_to_none=True)
                        logits = head(emb(ids).mean(dim=1))
                        torch.nn.functional.cross_entropy(logits, labels).backward()
                        for o in opts:
                            o.step()

                    t = median_time(a.repeats, step)
                    rec("classify_step", 1.0 / t, "steps/s", optimizer=opt, **shape)
    if a.json:
        print(json.dumps(out))
    else:
        for r in out:
            print(f"{r['name']:<16} {r['value']:12.4g} {r['unit']:<10} " +
                  " ".join(f"{k}={v}" for k, v in r.items() if k not in ("name", "value", "unit")))


if __name__ == "__main__":
    main()
