#!/usr/bin/python3
"""Runs `embedscope bench --suite cpu --json` and the PyTorch peer one after the other, in one
invocation, and prints a Markdown table of the medians side by side with the ratios.

  /usr/bin/python3 bench/peers/compare_cpu.py --bin build/app/embedscope [--repeats 5] [--quick]
"""
import argparse
import json
import os
import subprocess
import sys


def key(r):
    return (r["name"].replace("gather_into", "gather"), r.get("optimizer", ""), int(r["vocab"]), int(r["dim"]), r["ids"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    extra = ["--repeats", str(a.repeats), "--threads", str(a.threads)] + (["--quick"] if a.quick else [])
    ours = json.loads(subprocess.check_output([a.bin, "bench", "--suite", "cpu", "--json"] + extra))
    peer_script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_embedding.py")
    theirs = json.loads(subprocess.check_output([sys.executable, peer_script, "--json"] + extra))
    peer = {}
    for r in theirs:
        peer.setdefault(key(r), {})[r["name"]] = r["value"]
    mem = {key(r): r["value"] for r in ours if r["name"] == "memcpy_rows"}
    print("| record | optimizer | vocab × dim | ids | embedscope | memcpy_rows | torch (alloc) | torch (into) | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in ours:
        if r["name"] == "memcpy_rows":
            continue
        k = key(r)
        p = peer.get(k, {})
        if r["name"] == "gather":
            m = mem.get((("memcpy_rows",) + k[1:]), None)
            best = max(p.get("gather", 0), p.get("gather_into", 0)) or float("nan")
            print(f"| gather GB/s | | {k[2]} × {k[3]} | {k[4]} | {r['value']:.2f} | {m:.2f} ({r['value'] / m:.0%}) | "
                  f"{p.get('gather', float('nan')):.2f} | {p.get('gather_into', float('nan')):.2f} | {r['value'] / best:.2f}× |")
        else:
            t = p.get("classify_step", float("nan"))
            print(f"| classify_step steps/s | {k[1]} | {k[2]} × {k[3]} | {k[4]} | {r['value']:.2f} | | {t:.2f} | | "
                  f"{r['value'] / t:.2f}× |")


if __name__ == "__main__":
    main()
