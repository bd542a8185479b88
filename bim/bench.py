"""`plumbline bench ingest FILE`: the platform's ingest against plain ifcopenshell on the same file,
in the same run, each in its own process so that peak memory is its own.

Baseline metadata: open the file and, for every physical element, read its container, type,
material and property/quantity sets. Baseline geometry: ifcopenshell's geometry iterator over the
same products with the same settings and kernel, one thread, shapes only. The platform tessellates
only what it cannot read from the model (vertical extrusions of straight-edged profiles are not
tessellated at all), so on models of walls and slabs its geometry ratio falls below 1. Baseline memory:
ifcopenshell opening the file. The platform runs `plumbline ingest --inline` on a throwaway
SQLite database; its geometry chunks run one after another (with N workers they run in parallel).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _baseline_metadata(path: str) -> dict:
    import ifcopenshell.util.element as ue

    from bim.ifc.metadata import physical_elements
    from bim.ifc.reading import open_ifc, unpacked

    started = time.perf_counter()
    with unpacked(path) as ifc_path:
        model = open_ifc(ifc_path)
        elements = physical_elements(model)
        for element in elements:
            ue.get_container(element)
            ue.get_type(element)
            ue.get_material(element)
            ue.get_psets(element)
    return {"seconds": time.perf_counter() - started, "elements": len(elements)}


def _baseline_geometry(path: str) -> dict:
    import ifcopenshell.geom

    from bim.ifc.footprints import KERNEL, _settings
    from bim.ifc.metadata import physical_elements
    from bim.ifc.reading import open_ifc, unpacked

    with unpacked(path) as ifc_path:
        model = open_ifc(ifc_path)
        products = physical_elements(model) + list(model.by_type("IfcSpace"))
        started = time.perf_counter()
        shapes = 0
        iterator = ifcopenshell.geom.iterator(_settings(), model, 1, include=products, geometry_library=KERNEL)
        if products and iterator.initialize():
            while True:
                iterator.get()
                shapes += 1
                if not iterator.next():
                    break
    return {"seconds": time.perf_counter() - started, "shapes": shapes}


def _baseline_open(path: str) -> dict:
    from bim.ifc.reading import open_ifc, unpacked

    started = time.perf_counter()
    with unpacked(path) as ifc_path:
        open_ifc(ifc_path)
    return {"seconds": time.perf_counter() - started}


STEPS = {"metadata": _baseline_metadata, "geometry": _baseline_geometry, "open": _baseline_open}


class BenchError(Exception):
    """A step of the benchmark could not run; the message says which and why."""


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def measure(args: list[str], env: dict | None = None, *, check: bool = True) -> tuple[str, float]:
    """Run `python -m MODULE ...` (args[1:3] are "-m", MODULE) and return its output and its own
    peak memory in MB (see bim.peak). With check=False a failing run's output is returned too."""
    with tempfile.NamedTemporaryFile(prefix="plumbline-peak-", suffix=".txt") as peak_file:
        command = [args[0], "-m", "bim.peak", peak_file.name, *args[2:]]
        proc = subprocess.run(command, capture_output=True, env=env)
        if proc.returncode != 0 and (check or not proc.stdout.strip()):
            reason = _last_line(proc.stderr.decode(errors="replace")) or f"exit status {proc.returncode}"
            raise BenchError(f"{' '.join(args[2:5])} failed: {reason}")
        peak = Path(peak_file.name).read_text().strip()
    return proc.stdout.decode(), float(peak) if peak else 0.0


def _code_roots() -> list[str]:
    """The folders this process imports bim and plumbline from, for the measured processes to run
    the same code (without them, an installed checkout elsewhere could be measured instead)."""
    import bim
    import plumbline.core as kernel  # apps import of plumbline only its kernel (tests/test_import_rules.py)

    roots = [Path(bim.__file__).resolve().parents[1], Path(kernel.__file__).resolve().parents[2]]
    return list(dict.fromkeys(str(root) for root in roots))


def _failed(path: Path, reason: str) -> dict:
    return {"file": path.name, "status": "failed", "reason": reason}


def bench_ingest(path: Path, repeat: int = 5) -> dict:
    """Each measurement `repeat` times. A run measures the platform between two runs of each
    baseline phase and compares it with their mean, so that both see the machine alike: on a
    shared machine the same work can take from one to two times as long from one second to the
    next. Seconds are the fastest of each (as timeit reports); a ratio is the median of the runs'
    own ratios; peak memory is the platform's highest against the baseline's lowest."""
    from bim.models import INGEST_PHASES  # here: the baseline steps run this module without Django

    python = sys.executable
    base_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_", "STORAGE_", "MINIO_"))
    }
    base_env["PYTHONPATH"] = os.pathsep.join([*_code_roots(), *filter(None, [os.environ.get("PYTHONPATH")])])
    runs = []
    with tempfile.TemporaryDirectory(prefix="plumbline-bench-") as scratch:
        template = Path(scratch) / "template"
        env = {**base_env, "PLUMBLINE_DATA_DIR": str(template), "LOG_LEVEL": "WARNING"}
        plumbline = [python, "-m", "plumbline.cli"]
        measure([*plumbline, "migrate", "-v0"], env)
        measure([*plumbline, "load_demo"], env)

        def baseline_step(step):
            out, peak = measure([python, "-m", "bim.bench", step, str(path)], base_env)
            return {**json.loads(_last_line(out)), "peak_mb": peak}

        def platform_run(run):
            data_dir = Path(scratch) / f"run{run}"  # each run ingests into the same fresh database
            shutil.copytree(template, data_dir)
            out, peak = measure(
                [*plumbline, "ingest", str(path), "--project", "GZ-2026-001", "--model", "bench", "--inline", "--json"],
                {**env, "PLUMBLINE_DATA_DIR": str(data_dir)},
                check=False,  # a failed version prints its reason and exits 1
            )
            shutil.rmtree(data_dir)
            return json.loads(_last_line(out)), peak

        for run in range(repeat):
            try:
                baseline = {step: baseline_step(step) for step in ("open", "metadata", "geometry")}
            except BenchError:
                # ifcopenshell could not read the file: the platform's reason is the one to give
                platform, _ = platform_run(run)
                if platform["status"] == "failed":
                    return _failed(path, platform["reason"])
                raise
            platform, peak = platform_run(run)
            if platform["status"] == "failed":
                return _failed(path, platform["reason"])
            for step in ("geometry", "metadata"):  # again after: the platform is measured between two
                after = baseline_step(step)
                both = (baseline[step]["seconds"], after["seconds"])
                baseline[step] = {**after, "seconds": statistics.mean(both), "fastest": min(both)}
            runs.append((baseline, platform, peak))

    def ratio(a, b):
        return round(a / b, 2) if b else None

    def fastest(values):
        return round(min(values), 3)

    def median_ratio(phase):
        ratios = sorted(r[1]["seconds"].get(phase, 0) / r[0][phase]["seconds"] for r in runs if r[0][phase]["seconds"])
        return round(statistics.median(ratios), 2) if ratios else None

    baseline, platform, _ = runs[0]
    quickest = min((r[1] for r in runs), key=lambda p: p["seconds"]["total_wall"])["seconds"]
    phases = {phase: quickest.get(phase, 0) for phase in INGEST_PHASES}
    platform_peak = max(r[2] for r in runs)
    baseline_peak = min(r[0]["open"]["peak_mb"] for r in runs)
    return {
        "file": path.name,
        "status": platform["status"],
        "reason": platform["reason"],
        "counts": platform["counts"],
        "baseline_elements": baseline["metadata"]["elements"],
        "baseline_shapes": baseline["geometry"]["shapes"],
        "metadata_seconds": fastest(r[1]["seconds"].get("metadata", 0) for r in runs),
        "baseline_metadata_seconds": fastest(r[0]["metadata"]["fastest"] for r in runs),
        "geometry_seconds": fastest(r[1]["seconds"].get("geometry", 0) for r in runs),
        "baseline_geometry_seconds": fastest(r[0]["geometry"]["fastest"] for r in runs),
        "assemblies_seconds": fastest(r[1]["seconds"].get("assemblies", 0) for r in runs),
        # the quickest run's phases, which add up to its wall time from the upload call to ready
        "phase_seconds": phases,
        "phase_sum_seconds": round(sum(phases.values()), 3),
        "wall_seconds": quickest["total_wall"],
        "peak_mb": round(platform_peak, 1),
        "baseline_open_peak_mb": round(baseline_peak, 1),
        "metadata_ratio": median_ratio("metadata"),
        "geometry_ratio": median_ratio("geometry"),
        "memory_ratio": ratio(platform_peak, baseline_peak),
        "runs": repeat,
        "geometry_ratio_of_each_run": [
            ratio(r[1]["seconds"].get("geometry", 0), r[0]["geometry"]["seconds"]) for r in runs
        ],
    }


SCALING_SIZES = (1000, 5000, 10000, 20000, 50000)


def bench_scaling(sizes=SCALING_SIZES, models_dir: Path | None = None, repeat: int = 1, assembly_parts: int = 0):
    """Per-element cost of each phase on generated grid models of growing size, for the platform
    and the baseline, and its growth against the smallest size (1.0 = flat). Models are built
    with ifcopenshell.api (50,000 walls take about a minute) and kept in `models_dir` if given.
    With `assembly_parts`, every that many walls make an assembly (sizes count the walls)."""
    from bim.ifc.build import grid_model

    first = None
    with tempfile.TemporaryDirectory(prefix="plumbline-grids-") as scratch:
        folder = Path(models_dir) if models_dir else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            path = folder / (f"grid{size}-a{assembly_parts}.ifc" if assembly_parts else f"grid{size}.ifc")
            if not path.exists():
                grid_model(size, assembly_parts=assembly_parts).write(str(path))
            result = bench_ingest(path, repeat)
            if result["status"] != "ready":
                raise BenchError(f"{path.name} ended {result['status']}: {result['reason']}")
            elements = result["counts"]["elements"] or 1
            per_element = {
                "metadata_us": result["metadata_seconds"] / elements * 1e6,
                "geometry_us": result["geometry_seconds"] / elements * 1e6,
                "assemblies_us": result["assemblies_seconds"] / elements * 1e6,
                "wall_us": result["wall_seconds"] / elements * 1e6,
                "baseline_metadata_us": result["baseline_metadata_seconds"] / elements * 1e6,
                "baseline_geometry_us": result["baseline_geometry_seconds"] / elements * 1e6,
            }
            first = first or per_element
            yield {
                "elements": elements,
                "walls": size,
                "assemblies": (size + assembly_parts - 1) // assembly_parts if assembly_parts else 0,
                **{k: round(v, 1) for k, v in per_element.items()},
                **{
                    k.replace("_us", "_growth"): round(v / first[k], 2) if first[k] else None
                    for k, v in per_element.items()
                },
                **{
                    k: result[k]
                    for k in ("metadata_ratio", "geometry_ratio", "memory_ratio", "peak_mb")
                    + ("phase_seconds", "phase_sum_seconds", "wall_seconds")
                },
            }


if __name__ == "__main__":
    step, file = sys.argv[1], sys.argv[2]
    print(json.dumps(STEPS[step](file)))
