#!/usr/bin/python3
"""docs/configuration.md is exactly what `tessera config reference` prints.

The reference is generated from the configuration table (each section's fields() and its
defaults); a key added, renamed, re-described or given another default without regenerating the
committed file fails here, with the difference and the command that regenerates it.

Usage: check_config_reference.py --tessera PATH --doc docs/configuration.md
"""
import argparse
import difflib
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", required=True)
    ap.add_argument("--doc", required=True)
    args = ap.parse_args()
    # No TESSERA_* variable or config file may change the output: run it with neither.
    p = subprocess.run([args.tessera, "config", "reference"], capture_output=True, timeout=60,
                       env={"PATH": "/usr/bin:/bin"})
    if p.returncode != 0:
        print(f"FAIL  tessera config reference: exit {p.returncode}: {p.stderr.decode()}")
        return 1
    generated = p.stdout.decode()
    try:
        with open(args.doc, encoding="utf-8") as f:
            committed = f.read()
    except OSError as e:
        committed = ""
        print(f"cannot read {args.doc}: {e}")
    if generated == committed:
        print(f"ok    {args.doc} is the output of `tessera config reference`")
        return 0
    sys.stdout.writelines(difflib.unified_diff(
        committed.splitlines(keepends=True), generated.splitlines(keepends=True),
        fromfile=args.doc + " (committed)", tofile="tessera config reference"))
    print(f"\nFAIL  {args.doc} differs from `tessera config reference`. Regenerate it with:\n"
          f"  {args.tessera} config reference > {args.doc}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
