#!/usr/bin/python3
"""Runs `embedscope bench --suite cpu --json` and the PyTorch peer (torch_embedding.py) in
alternating rounds within one invocation, and prints a Markdown table of the medians side by side
with the ratios. The machine is shared: alternating the two over several rounds lets a burst of
someone else's load fall on both sides alike; each figure is the median over rounds of a median of
N repetitions, each ratio the median of the per-round ratios. The load average is printed before
and after.

  /usr/bin/python3 bench/peers/compare_cpu.py --bin build/app/embedscope [--rounds 5] [--repeats 5]
      [--only gather|classify_step] [--clock wall|thread] [--quick] [--json OUT.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def key(r):
    return (r["name"].replace("gather_into", "gather"), r.get("optimizer", ""), int(r["vocab"]), int(r["dim"]), r["ids"])


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", default="")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--clock", choices=("wall", "thread"), default="wall")
    ap.add_argument("--json", default="", help="also write every round's records here")
    a = ap.parse_args()
    extra = ["--repeats", str(a.repeats), "--threads", str(a.threads)] + (["--quick"] if a.quick else []) + ["--clock", a.clock]
    if a.only:
        extra += ["--only", a.only]
    peer_script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_embedding.py")
    ours_cmd = [a.bin, "bench", "--suite", "cpu", "--json"] + extra
    peer_cmd = [sys.executable, peer_script, "--json"] + extra
    load_before = load()
    rounds = []
    for i in range(a.rounds):
        # Alternate who goes first, so neither side always runs in the other's wake.
        order = [("ours", ours_cmd), ("torch", peer_cmd)]
        if i % 2:
            order.reverse()
        got = {}
        for who, cmd in order:
            got[who] = json.loads(subprocess.check_output(cmd))
        rounds.append(got)
    load_after = load()
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"load_before": load_before, "load_after": load_after, "rounds": rounds}, f)

    def med(xs):
        xs = [x for x in xs if x == x]
        return statistics.median(xs) if xs else float("nan")

    # Per record key: values per round for ours, memcpy_rows, torch alloc, torch into.
    table = {}
    for got in rounds:
        mem = {key(r)[1:]: r["value"] for r in got["ours"] if r["name"] == "memcpy_rows"}
        peer = {}
        for r in got["torch"]:
            peer.setdefault(key(r), {})[r["name"]] = r["value"]
        for r in got["ours"]:
            if r["name"] == "memcpy_rows" or r["name"] not in ("gather", "classify_step"):
                continue
            k = key(r)
            e = table.setdefault(k, {"ours": [], "mem": [], "alloc": [], "into": [], "ratio": [], "ratio_mem": []})
            p = peer.get(k, {})
            e["ours"].append(r["value"])
            if r["name"] == "gather":
                m = mem.get(k[1:], float("nan"))
                e["mem"].append(m)
                e["alloc"].append(p.get("gather", float("nan")))
                e["into"].append(p.get("gather_into", float("nan")))
                best = max(p.get("gather", 0), p.get("gather_into", 0)) or float("nan")
                e["ratio"].append(r["value"] / best)
                e["ratio_mem"].append(r["value"] / m)
            else:
                t = p.get("classify_step", float("nan"))
                e["alloc"].append(t)
                e["ratio"].append(r["value"] / t)
    print(f"load average before: {load_before}; after: {load_after}; {a.rounds} rounds x {a.repeats} repetitions, "
          f"{a.threads} thread(s), clock {a.clock}")
    print()
    print("| record | optimizer | vocab × dim | ids | embedscope | memcpy_rows (ratio) | torch (alloc) | torch (into) "
          "| ratio to torch (min–max over rounds) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k, e in table.items():
        rng = f"{min(e['ratio']):.2f}–{max(e['ratio']):.2f}"
        if k[0] == "gather":
            print(f"| gather GB/s | | {k[2]} × {k[3]} | {k[4]} | {med(e['ours']):.2f} | {med(e['mem']):.2f} "
                  f"({med(e['ratio_mem']):.2f}×) | {med(e['alloc']):.2f} | {med(e['into']):.2f} | "
                  f"**{med(e['ratio']):.2f}×** ({rng}) |")
        else:
            print(f"| classify_step steps/s | {k[1]} | {k[2]} × {k[3]} | {k[4]} | {med(e['ours']):.2f} | | "
                  f"{med(e['alloc']):.2f} | | **{med(e['ratio']):.2f}×** ({rng}) |")


if __name__ == "__main__":
    main()
