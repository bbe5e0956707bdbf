#!/usr/bin/python3
"""Peers for the analysis benchmarks (docs/benchmarks/analysis.md): scikit-learn PCA and
Barnes-Hut TSNE, umap-learn UMAP, and scikit-learn's trustworthiness as the common yardstick.

Each subcommand prints one JSON object. Timings are the peer's fit alone (file reading excluded),
wall and CPU seconds. Run with Debian's /usr/bin/python3 and OPENBLAS_CORETYPE=SkylakeX (this CPU
is not recognised by Debian's OpenBLAS otherwise).

  analysis_peers.py data N D SEED OUT.npy [--clusters K]   planted-cluster data (float32)
  analysis_peers.py pca X.npy OUT.tsv
  analysis_peers.py tsne X.npy OUT.tsv [--seed S]
  analysis_peers.py umap X.npy OUT.tsv [--seed S] [--warm]
  analysis_peers.py trust X.npy COORDS.tsv [-k 5] [--labels L.npy]
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("data")
    d.add_argument("n", type=int)
    d.add_argument("d", type=int)
    d.add_argument("seed", type=int)
    d.add_argument("out")
    d.add_argument("--clusters", type=int, default=10)
    for name in ("pca", "tsne", "umap"):
        p = sub.add_parser(name)
        p.add_argument("x")
        p.add_argument("out")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--warm", action="store_true")
    t = sub.add_parser("trust")
    t.add_argument("x")
    t.add_argument("coords")
    t.add_argument("-k", type=int, default=5)
    t.add_argument("--labels")
    a = ap.parse_args()

    if a.cmd == "data":
        rng = np.random.default_rng(a.seed)
        centres = rng.normal(size=(a.clusters, a.d)) * 3.0
        labels = rng.integers(0, a.clusters, size=a.n)
        x = (centres[labels] + rng.normal(size=(a.n, a.d))).astype(np.float32)
        np.save(a.out, x)
        np.save(a.out.replace(".npy", "_labels.npy"), labels)
        print(json.dumps({"rows": a.n, "dims": a.d, "clusters": a.clusters}))
        return

    x = np.load(a.x)
    if a.cmd == "trust":
        from sklearn.manifold import trustworthiness
        y = np.loadtxt(a.coords, ndmin=2)
        out = {"trustworthiness": float(trustworthiness(x, y, n_neighbors=a.k)), "k": a.k}
        if a.labels:
            # Neighbour purity: the share of each point's 10 nearest 2-D neighbours in its cluster.
            from sklearn.neighbors import NearestNeighbors
            lab = np.load(a.labels)
            idx = NearestNeighbors(n_neighbors=11).fit(y).kneighbors(y, return_distance=False)[:, 1:]
            out["purity10"] = float((lab[idx] == lab[:, None]).mean())
        print(json.dumps(out))
        return

    if a.cmd == "pca":
        from sklearn.decomposition import PCA
        y, wall, cpu = timed(lambda: PCA(n_components=2).fit_transform(x))
        extra = {}
    elif a.cmd == "tsne":
        from sklearn.manifold import TSNE
        model = TSNE(n_components=2, random_state=a.seed, method="barnes_hut", init="pca", learning_rate="auto")
        y, wall, cpu = timed(lambda: model.fit_transform(x))
        extra = {"kl_divergence": float(model.kl_divergence_)}
    else:
        import umap
        if a.warm:  # numba compiles on first use: fit a small problem first so the timing is warm
            umap.UMAP(random_state=a.seed).fit_transform(x[: min(len(x), 2000)])
        model = umap.UMAP(n_components=2, random_state=a.seed)
        y, wall, cpu = timed(lambda: model.fit_transform(x))
        extra = {}
    np.savetxt(a.out, y, delimiter="\t", fmt="%.7g")
    import sklearn
    print(json.dumps({"peer": a.cmd, "rows": int(x.shape[0]), "dims": int(x.shape[1]), "wall_s": wall, "cpu_s": cpu,
                      "sklearn": sklearn.__version__, **extra}))


if __name__ == "__main__":
    sys.exit(main())
