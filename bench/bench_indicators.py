"""Benchmark: text indicator matching with 100k indicators, Shieldwall versus a naive regex loop.

There is no ThreatExchange anchor for text indicators, so the anchor is what a platform writes
first: one compiled regex per indicator, searched over the text. Shieldwall's run is the full
``TextIndicatorSignal.evaluate`` per post (normalisation, URL and handle extraction,
Aho-Corasick over two views, evidence). The naive loop is far too slow to finish over 100k
indicators, so it runs for a fixed time budget over a prefix of the indicators and its rate is
extrapolated to all of them (the table says so).

Everything is synthetic and made up (``.test``/``.example`` domains, ``*_bot`` handles).
Usage: ``python bench/bench_indicators.py [--indicators 100000] [--mb 4] [--naive-seconds 20]``
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import time
from pathlib import Path

from shieldwall.signals.text import Indicator, IndicatorKind, TextIndicatorSignal

OUT = Path(__file__).resolve().parent / "out" / "indicators.json"
SYLLABLES = str.split(
    "ka lo mi nu sa te vi ro pa de fi gu ha jo ke li ma ne po qu ri su ta ve wa xo yu"
)
WORDS = str.split(
    "the a photo of my dog at park today new recipe for dinner meeting on tuesday join our "
    "club see you there great game last night weather is nice thanks everyone for coming "
    "please share with friends link below more info soon happy birthday congrats team"
)


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def make_indicators(n: int, rng: random.Random) -> list[Indicator]:
    kinds = [
        (IndicatorKind.DOMAIN, 0.40),
        (IndicatorKind.BOT_HANDLE, 0.30),
        (IndicatorKind.KEYWORD, 0.25),
        (IndicatorKind.URL_PREFIX, 0.03),
        (IndicatorKind.APP_ID, 0.02),
    ]
    out: list[Indicator] = []
    for kind, share in kinds:
        for _ in range(int(n * share)):
            i = len(out)
            value = {
                IndicatorKind.DOMAIN: lambda i=i: (
                    f"{_name(rng, 3)}{i}.{rng.choice(['test', 'example'])}"
                ),
                IndicatorKind.BOT_HANDLE: lambda i=i: f"{_name(rng, 3)}{i}_bot",
                IndicatorKind.KEYWORD: lambda i=i: (
                    f"{_name(rng, 3)} {_name(rng, 2)} {_name(rng, 3)}"
                ),
                IndicatorKind.URL_PREFIX: lambda i=i: (
                    f"https://share{i % 50}.test/r/{_name(rng, 3)}"
                ),
                IndicatorKind.APP_ID: lambda i=i: f"com.example.{_name(rng, 3)}{i}",
            }[kind]()
            out.append(Indicator(str(i), kind, value, "bench-feed", 0.9))
    return out


def _mention(ind: Indicator, rng: random.Random) -> str:
    v = ind.value
    if ind.kind is IndicatorKind.BOT_HANDLE:
        return rng.choice([f"@{v}", f"t.me/{v}", f"@{v[:3]}\u200b{v[3:]}"])
    if ind.kind is IndicatorKind.DOMAIN:
        return rng.choice([f"https://{v}/x", v.replace(".", "[.]"), f"www.{v}"])
    if ind.kind is IndicatorKind.KEYWORD:
        return rng.choice([v, v.upper(), " ".join(v.split(" ")[0]) + " " + v.split(" ", 1)[1]])
    if ind.kind is IndicatorKind.URL_PREFIX:
        return "https://" + v + "/42"
    return v


def make_corpus(target_bytes: int, indicators: list[Indicator], rng: random.Random) -> list[str]:
    posts: list[str] = []
    size = 0
    while size < target_bytes:
        words = [rng.choice(WORDS) for _ in range(rng.randint(20, 60))]
        if rng.random() < 0.2:
            words.insert(rng.randrange(len(words)), f"https://site{rng.randint(0, 999)}.test/p")
        if rng.random() < 0.02:
            words.insert(rng.randrange(len(words)), _mention(rng.choice(indicators), rng))
        post = " ".join(words)
        posts.append(post)
        size += len(post.encode())
    return posts


def run_shieldwall(indicators: list[Indicator], posts: list[str], mb: float) -> dict[str, float]:
    began = time.perf_counter()
    signal = TextIndicatorSignal(indicators)
    signal.evaluate("warm up @x_bot")  # compiles the automaton
    build_s = time.perf_counter() - began
    began = time.perf_counter()
    hits = sum(1 for p in posts if signal.evaluate(p).score)
    elapsed = time.perf_counter() - began
    return {
        "build_s": build_s,
        "scan_s": elapsed,
        "mb_per_s": mb / elapsed,
        "posts_per_s": len(posts) / elapsed,
        "posts_with_hits": hits,
    }


def run_naive(
    indicators: list[Indicator], posts: list[str], mb: float, budget_s: float
) -> dict[str, float]:
    """One regex per indicator over the whole corpus, until the time budget runs out."""
    text = "\n".join(posts)
    began = time.perf_counter()
    done = 0
    hits = 0
    for ind in indicators:
        pattern = re.compile(r"(?<!\w)" + re.escape(ind.value) + r"(?!\w)", re.IGNORECASE)
        hits += sum(1 for _ in pattern.finditer(text))
        done += 1
        if time.perf_counter() - began > budget_s:
            break
    elapsed = time.perf_counter() - began
    full_s = elapsed * len(indicators) / done
    return {
        "indicators_run": done,
        "measured_s": elapsed,
        "extrapolated_s": full_s,
        "mb_per_s": mb / full_s,
        "hits_in_prefix": hits,
        "extrapolated": done < len(indicators),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--mb", type=float, default=4.0)
    parser.add_argument("--naive-seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    indicators = make_indicators(args.indicators, rng)
    posts = make_corpus(int(args.mb * 1_000_000), indicators, rng)
    mb = sum(len(p.encode()) for p in posts) / 1_000_000
    ours = run_shieldwall(indicators, posts, mb)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    naive = run_naive(indicators, posts, mb, args.naive_seconds)
    ratio = ours["mb_per_s"] / naive["mb_per_s"]
    print(f"\n{len(indicators)} indicators, {len(posts)} posts, {mb:.2f} MB of text\n")
    print("| matcher | MB/s | time for the corpus | notes |")
    print("|---|---:|---:|---|")
    print(
        f"| naive regex per indicator (anchor) | {naive['mb_per_s']:.4f} | "
        f"{naive['extrapolated_s']:.0f} s | ran {naive['indicators_run']} indicators in "
        f"{naive['measured_s']:.1f} s, extrapolated to all; plain text only, no evasions |"
    )
    print(
        f"| Shieldwall TextIndicatorSignal | {ours['mb_per_s']:.2f} | {ours['scan_s']:.1f} s | "
        f"full evaluate per post incl. normalisation; build {ours['build_s']:.1f} s; "
        f"peak RSS {rss_mb:.0f} MB |"
    )
    print(f"\nratio Shieldwall / naive: {ratio:,.0f}x")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "indicators": len(indicators),
                "posts": len(posts),
                "megabytes": mb,
                "shieldwall": ours,
                "naive_regex": naive,
                "ratio": ratio,
                "peak_rss_mb": rss_mb,
            },
            indent=2,
        )
    )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
