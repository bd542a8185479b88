"""`plumbline bench ingest` is how the ingest's speed and memory targets are checked: it must keep
working, measure the same elements as its baseline, and refuse arguments it cannot use."""

import json

import pytest
from django.core.management import CommandError, call_command

from bim.ifc.build import grid_model
from bim.models import INGEST_PHASES


def test_bench_ingest_prints_one_line_comparing_platform_and_baseline(tmp_path, capsys):
    path = tmp_path / "grid.ifc"
    grid_model(100, assembly_parts=4).write(str(path))
    call_command("bench", "ingest", str(path), "--repeat", "1")
    (line,) = capsys.readouterr().out.strip().splitlines()
    result = json.loads(line)
    assert result["status"] == "ready"
    assert result["counts"]["elements"] == result["baseline_elements"] == 125  # 100 walls in 25 assemblies
    assert result["baseline_shapes"] == 100
    # every second from the upload call to ready is in a phase, the assemblies' too
    assert set(result["phase_seconds"]) == set(INGEST_PHASES)
    assert result["phase_seconds"]["assemblies"] == result["assemblies_seconds"] > 0
    assert result["phase_sum_seconds"] == pytest.approx(result["wall_seconds"], rel=0.1)
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
    with pytest.raises(CommandError, match="--assemblies"):
        call_command("bench", "scaling", "--sizes", "10", "--assemblies", "-1")


def test_bench_ingest_of_a_file_that_fails_prints_its_reason_and_exits_1(tmp_path, capsys):
    path = tmp_path / "cut.ifc"
    data = grid_model(20).to_string().encode()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SystemExit) as exited:
        call_command("bench", "ingest", str(path), "--repeat", "1")
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    (line,) = out.strip().splitlines()
    result = json.loads(line)
    assert result["status"] == "failed" and result["file"] == "cut.ifc"
    assert "The file is truncated" in result["reason"]
    assert "Traceback" not in out + err


def test_bench_scaling_builds_grids_with_assemblies_and_counts_their_phase(tmp_path, capsys):
    call_command("bench", "scaling", "--sizes", "100", "--assemblies", "4", "--models-dir", str(tmp_path))
    (line,) = capsys.readouterr().out.strip().splitlines()
    result = json.loads(line)
    assert (result["walls"], result["assemblies"], result["elements"]) == (100, 25, 125)
    assert result["assemblies_us"] > 0 and result["assemblies_growth"] == 1.0
    assert result["phase_sum_seconds"] == pytest.approx(result["wall_seconds"], rel=0.1)
    assert (tmp_path / "grid100-a4.ifc").exists()
