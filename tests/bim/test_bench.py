"""`plumbline bench ingest` is how the ingest's speed and memory targets are checked: it must keep
working, measure the same elements as its baseline, and refuse arguments it cannot use."""

import json

import pytest
from django.core.management import CommandError, call_command

from bim.ifc.build import grid_model


def test_bench_ingest_prints_one_line_comparing_platform_and_baseline(tmp_path, capsys):
    path = tmp_path / "grid.ifc"
    grid_model(40).write(str(path))
    call_command("bench", "ingest", str(path), "--repeat", "1")
    (line,) = capsys.readouterr().out.strip().splitlines()
    result = json.loads(line)
    assert result["status"] == "ready"
    assert result["counts"]["elements"] == result["baseline_elements"] == 40
    assert result["baseline_shapes"] == 40
    for figure in ("metadata_ratio", "geometry_ratio", "memory_ratio"):
        assert result[figure] > 0, figure
    assert result["peak_mb"] > result["baseline_open_peak_mb"] > 0
    assert len(result["geometry_ratio_of_each_run"]) == result["runs"] == 1


def test_bench_refuses_what_it_cannot_measure(tmp_path):
    with pytest.raises(CommandError, match="--repeat needs 1 or more runs"):
        call_command("bench", "ingest", str(tmp_path / "any.ifc"), "--repeat", "0")
    with pytest.raises(CommandError, match="No file"):
        call_command("bench", "ingest", str(tmp_path / "missing.ifc"))
    with pytest.raises(CommandError, match="--sizes"):
        call_command("bench", "scaling", "--sizes", "ten")
