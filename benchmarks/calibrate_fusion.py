"""Fit how the answer engine fuses the topic classifier with BM25, and how sure it is of the result.

Reads only the development sets (tests/eval/dev/*.yaml: topic questions, short and long, and the
out-of-scope ones); the held-out sets (tests/eval/heldout/) are never read here. For each lexical
weight on a grid, it ranks every dev question, fits the logistic confidence over the best topic's fused
probability, its margin, its classifier probability and its BM25 agreement, and prints the dev figures
(top-1, top-3, answered-and-right, answered-and-wrong, out of scope refused). The chosen line goes into
FUSION_CALIBRATION in bot/answers/engine.py.

    .venv/bin/python benchmarks/calibrate_fusion.py [--sets en-2026-12 es-2026-12 ...]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.content.loader import load_content  # noqa: E402
from bot.understanding import build_understanding, load_encoder  # noqa: E402
from bot.understanding.engine import AnswerEngine, FusionCalibration, fuse  # noqa: E402
from bot.understanding.evaluation import load_set, topic_questions  # noqa: E402
from bot.understanding.training import OFF_TOPIC  # noqa: E402

DEV = ROOT / "tests" / "eval" / "dev"
GRID = [(lexical, spelled) for lexical in (1.5, 2.5, 3.5) for spelled in (0.5, 1.0, 1.5)]
"""(lexical, spelled) fusion weights tried."""


@dataclass
class Item:
    group: str
    expected: str
    text: str
    lang: str


def items(names: list[str]) -> list[Item]:
    found: list[Item] = []
    for name in names:
        data = load_set(DEV / f"{name}.yaml")
        lang = name[:2]
        found += [Item(group, topic, text, lang) for group, topic, text in topic_questions(data)]
        found += [Item("out of scope", OFF_TOPIC, text, lang) for text in data.get("out_of_scope") or []]
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", help="dev set names (default: all in tests/eval/dev)")
    parser.add_argument("--cache", default=str(ROOT / ".cache" / "understanding"))
    args = parser.parse_args()
    names = args.sets or sorted(path.stem for path in DEV.glob("*.yaml"))
    content = load_content()
    encoder = load_encoder()
    if encoder is None:
        raise SystemExit("the encoder could not be loaded")
    understanding = build_understanding(content, encoder, Path(args.cache))
    engine = AnswerEngine(content, understanding=understanding)
    dev = items(names)
    forms = [engine.forms(item.text, item.lang) for item in dev]
    readings = [understanding.read(item.text, also=also) for item, also in zip(dev, forms, strict=True)]
    lexical = [
        engine.index(item.lang).rank(engine.index(item.lang).query_terms(" ".join((item.text, *also))))
        for item, also in zip(dev, forms, strict=True)
    ]
    print(f"dev sets: {', '.join(names)} ({len(dev)} questions)")
    from sklearn.linear_model import LogisticRegression

    for lexical_weight, spelled_weight in GRID:
        calibration = FusionCalibration(lexical_weight, 0, 0, 0, 0, 0, spelled_weight)
        fused = [
            fuse(reading, ranked, calibration) for reading, ranked in zip(readings, lexical, strict=True)
        ]
        x = np.array([[f.ranked[0][1], f.margin, f.classifier, f.lexical] for f in fused])
        right = np.array([f.ranked[0][0] == item.expected for f, item in zip(fused, dev, strict=True)])
        model = LogisticRegression(C=10).fit(x, right)
        confidence = model.predict_proba(x)[:, 1]
        weights = (float(w) for w in model.coef_[0])
        line = FusionCalibration(lexical_weight, float(model.intercept_[0]), *weights, spelled=spelled_weight)
        print(f"\n{line}")
        for group in ("short", "long", "out of scope"):
            chosen = [i for i, item in enumerate(dev) if item.group == group]
            if not chosen:
                continue
            if group == "out of scope":
                refused = sum(fused[i].ranked[0][0] == OFF_TOPIC or confidence[i] < 0.5 for i in chosen)
                print(f"  out of scope refused {refused / len(chosen):6.1%} of {len(chosen)}")
                continue
            top3 = sum(dev[i].expected in [t for t, _ in fused[i].ranked[:3]] for i in chosen)
            answered_right = sum(right[i] and confidence[i] >= 0.5 for i in chosen)
            answered_wrong = sum(not right[i] and confidence[i] >= 0.5 for i in chosen)
            print(
                f"  {group:5} top-1 {right[chosen].mean():6.1%}  top-3 {top3 / len(chosen):6.1%}  "
                f"answered right {answered_right / len(chosen):6.1%}  answered wrong "
                f"{answered_wrong / len(chosen):6.1%}  of {len(chosen)}"
            )


if __name__ == "__main__":
    main()
