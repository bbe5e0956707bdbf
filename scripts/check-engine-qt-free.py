#!/usr/bin/env python3
"""Fails when any engine/ source was compiled with a Qt include directory or a Qt define.

engine/CMakeLists.txt never finds Qt; this check proves it on the real build: a translation unit of
engine/ that could see Qt headers would show it in compile_commands.json.
"""
import json
import sys

commands = json.load(open(sys.argv[1]))
engine = [c for c in commands if "/engine/" in c["file"] and "/tests/" not in c["file"]]
if not engine:
    sys.exit("check-engine-qt-free: no engine sources in " + sys.argv[1])
bad = [c["file"] for c in engine if "qt6" in c["command"].lower() or "-DQT_" in c["command"]]
if bad:
    sys.exit("engine/ sources compiled with Qt on their include path:\n  " + "\n  ".join(bad))
print(f"check-engine-qt-free: {len(engine)} engine sources, none sees Qt")
