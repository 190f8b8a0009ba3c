"""``--with-mlflow``: how the benchmarks find MLflow, and what they do when it is not there.
MLflow itself is never needed (CI has none); see bench/README.md for the real runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_bench_smoke import env_without_mlflow

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import mlflow_side  # noqa: E402


def test_without_the_option_mlflow_is_not_looked_for():
    # When the option is not given
    install, why = mlflow_side.find(None)
    # Then nothing is measured, and the line says how to measure it
    assert install is None
    assert why.startswith("MLflow column not measured: run with --with-mlflow")


def test_the_option_with_no_mlflow_anywhere_says_so(monkeypatch):
    # Given no MLflow on PATH and no GRID_BENCH_MLFLOW
    monkeypatch.delenv("GRID_BENCH_MLFLOW", raising=False)
    monkeypatch.setenv("PATH", env_without_mlflow()["PATH"])
    # When the benchmark is asked to find one
    install, why = mlflow_side.find("")
    # Then it runs without it and says why (it was asked for any MLflow, not a given one)
    assert install is None
    assert why.startswith("MLflow column not measured: --with-mlflow found no MLflow")


def test_a_console_script_leads_to_its_interpreter(tmp_path):
    # Given an `mlflow` console script as pip writes it
    script = tmp_path / "mlflow"
    script.write_text("#!/opt/mlflow-venv/bin/python3.11\nimport sys\n")
    # Then its interpreter is the one its #! line names
    assert mlflow_side._python_of(script) == Path("/opt/mlflow-venv/bin/python3.11")
    # and a python given as the PATH stays itself
    assert mlflow_side._python_of(Path(sys.executable)) == Path(sys.executable)


@pytest.mark.parametrize("named", ["option", "environment"])
def test_a_named_path_without_mlflow_is_an_error_before_any_work(tmp_path, named):
    # Given a PATH named by the user that holds no MLflow (this test's python has none)
    env = env_without_mlflow()
    option = "--with-mlflow"
    if named == "option":
        option += f"={sys.executable}"
    else:
        env["GRID_BENCH_MLFLOW"] = sys.executable
    # When a benchmark is started with it
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_listing.py"), "--quick", option],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    # Then it stops at once, before seeding anything, saying which MLflow it could not use
    assert out.returncode != 0
    assert "--with-mlflow: MLflow column not measured:" in out.stderr
    assert f"{sys.executable} holds no usable MLflow" in out.stderr
    assert "seeded" not in out.stdout
