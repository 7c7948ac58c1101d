"""Run the benchmark suite (``routing.bench``) and save Markdown + JSON results.

Not part of CI's pass/fail; run by hand on a quiet machine:

    python benchmarks/run.py [--quick] [--out benchmarks/results]

Same as ``bypass bench [--quick] [--json FILE]``, plus the Markdown file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (under a minute)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results",
                        help="folder for bench.md and bench.json")
    args = parser.parse_args(argv)

    from networks.atomic import write_text_atomic
    from routing.bench import _readable, run, write_json

    report = run(quick=args.quick, progress=lambda m: print(m, file=sys.stderr))
    text = report.markdown()
    print(text)
    stem = "bench-quick" if args.quick else "bench"
    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out / f"{stem}.md", text)
    _readable(args.out / f"{stem}.md")
    write_json(report, args.out / f"{stem}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
