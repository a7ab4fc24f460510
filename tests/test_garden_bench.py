"""``glowgrove bench garden --quick`` runs for real (Mesa no-op driver) and its JSON adds up.

No timing is asserted: the machine is shared and noisy; only the shape and the counts are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = {
    "bench",
    "plants",
    "cpu_ms_median",
    "draws_per_eye",
    "triangles_per_eye",
    "naive_100k_cpu_ms_median",
    "ours_100k_cpu_ms_median",
    "speedup_vs_naive_100k",
    "sim_tick_ms",
    "build_s",
    "peak_rss_mb",
}


def test_bench_garden_quick_prints_consistent_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine.cli", "bench", "garden", "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    *configs, summary = lines
    assert set(summary) >= CONTRACT and summary["bench"] == "garden"
    kinds = [(row["renderer"], row["plants"]) for row in configs]
    assert kinds == [
        ("instanced", 1000),
        ("instanced", 5000),
        ("instanced", 20000),
        ("naive-nodepaths", 1000),
        ("naive-nodepaths", 5000),
        ("flatten-strong", 5000),
    ]
    for row in configs:
        assert row["stereo"] is True and row["frames"] >= 12
        assert row["cpu_ms_median"] <= row["cpu_ms_p90"]
        assert row["triangles_per_eye_median"] <= row["triangles_per_eye_max"]
        assert row["peak_rss_mb"] > 0 and row["build_s"] > 0
        if row["renderer"] == "instanced":
            assert 1 <= row["draws_per_eye"] <= 3
            instances = row["instances_per_eye"]
            assert 0 < instances <= row["plants"]
            # Every instance is a card (2 triangles) at least and a full plant at most.
            assert 2 * instances <= row["triangles_per_eye_median"] <= 112 * instances
            assert row["sim_tick_ms"] > 0
        elif row["renderer"] == "naive-nodepaths":
            assert (
                abs(row["draws_per_eye"] - row["instances_per_eye"]) <= 1
                and row["draws_per_eye"] > 0
            )
            assert row["triangles_per_eye_median"] > 100 * row["draws_per_eye"]
    ours = {row["plants"]: row for row in configs if row["renderer"] == "instanced"}
    naive = {row["plants"]: row for row in configs if row["renderer"] == "naive-nodepaths"}
    assert summary["plants"] == 20000 and summary["compare_plants"] == 5000
    assert summary["cpu_ms_median"] == ours[20000]["cpu_ms_median"]
    assert summary["naive_100k_cpu_ms_median"] == naive[5000]["cpu_ms_median"]
    assert summary["ours_100k_cpu_ms_median"] == ours[5000]["cpu_ms_median"]
    expected = naive[5000]["cpu_ms_median"] / ours[5000]["cpu_ms_median"]
    assert abs(summary["speedup_vs_naive_100k"] - expected) <= 0.05 + 0.001 * expected
    assert summary["triangles_per_eye"] == ours[20000]["triangles_per_eye_max"]
