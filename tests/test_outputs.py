"""Output folders from the command line: user files are never removed, bad places are one line with exit code 2,
and one process at a time writes a folder (a lock that dies with its process)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from reglab.vocabulary.errors import ReglabError

TINY = '[defaults]\nhidden = [4]\nepochs = 2\n[[models]]\nname = "plain"\n'
SLOW_SWEEP = ('[defaults]\nhidden = [64, 64]\nepochs = 4000\n'
              '[sweep]\nregularizers = ["l2"]\nlambdas = [0.001, 0.01]\nseeds = 2\nchunk_size = 1\n')


def reglab(*args, cwd):
    return subprocess.run([sys.executable, "-m", "reglab", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def one_line(done, field="out"):
    lines = done.stderr.strip().splitlines()
    return done.returncode == 2 and len(lines) == 1 and lines[0].startswith(f"reglab: error: {field}: got ")


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


def test_a_folder_holding_files_reglab_did_not_write_is_refused_and_kept(tmp_path, spec):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    done = reglab("run", str(spec), "--out", str(mine), cwd=tmp_path)
    assert one_line(done) and "did not write" in done.stderr
    assert [p.name for p in mine.iterdir()] == ["thesis.tex"] and (mine / "thesis.tex").read_text() == "years of work"


def test_a_folder_reglab_wrote_is_replaced_on_a_rerun(tmp_path, spec):
    for _ in range(2):
        done = reglab("run", str(spec), "--out", "out", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / ".reglab").exists() and (tmp_path / "out" / "report.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tiny.toml"]  # nothing left beside it


def test_a_users_file_inside_a_folder_reglab_wrote_stops_the_rerun_and_stays(tmp_path):
    assert reglab("demo", "--epochs", "2", "--out", "huge", cwd=tmp_path).returncode == 0
    wrote = sorted(p.relative_to(tmp_path / "huge") for p in (tmp_path / "huge").rglob("*"))
    (tmp_path / "huge" / "my_notes.md").write_text("x")
    (tmp_path / "huge" / "runs" / "none" / "plot.png").write_bytes(b"mine")
    done = reglab("demo", "--epochs", "2", "--out", "huge", cwd=tmp_path)
    assert one_line(done) and "move my_notes.md, runs/none/plot.png elsewhere" in done.stderr
    assert (tmp_path / "huge" / "my_notes.md").read_text() == "x"
    (tmp_path / "huge" / "my_notes.md").unlink()
    (tmp_path / "huge" / "runs" / "none" / "plot.png").unlink()
    assert sorted(p.relative_to(tmp_path / "huge") for p in (tmp_path / "huge").rglob("*")) == wrote
    assert reglab("demo", "--epochs", "2", "--out", "huge", cwd=tmp_path).returncode == 0  # what it wrote: replaced


def test_a_file_put_in_the_folder_while_the_study_trains_is_kept(tmp_path, monkeypatch):
    from reglab import api
    from reglab.studies import spec as specs
    from reglab.views import study_report

    study = specs.parse({"defaults": {"hidden": [4], "epochs": 2}, "models": [{"name": "plain"}]})
    api.run_study(study, out=tmp_path / "out", progress=False)
    figures = study_report.figures

    def and_a_user_writes(*args):  # the figures are drawn while the study's folder is not yet replaced
        (tmp_path / "out" / "notes.txt").write_text("mine")
        return figures(*args)

    monkeypatch.setattr(study_report, "figures", and_a_user_writes)
    with pytest.raises(ReglabError, match="move notes.txt elsewhere"):
        api.run_study(study, out=tmp_path / "out", progress=False)
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine" and (tmp_path / "out" / "report.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # nothing half-written beside it


@pytest.mark.parametrize("out", ["afile.txt/sub", "afile.txt", ".", "/proc/reglab-cannot-write-here/out"])
def test_an_output_path_that_cannot_be_written_is_one_line(tmp_path, spec, out):
    (tmp_path / "afile.txt").write_text("a file in the way")
    done = reglab("run", str(spec), "--out", out, cwd=tmp_path)
    assert one_line(done), done.stderr
    assert (tmp_path / "afile.txt").read_text() == "a file in the way"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile.txt", "tiny.toml"]


def test_a_full_disk_is_one_line_and_keeps_the_folder_written_before(tmp_path, spec):
    """The disk fills up while a rerun writes: the operating system refuses writes past a size limit (``ulimit -f``;
    Python ignores SIGXFSZ, so the write fails with EFBIG as it would with ENOSPC on a full disk)."""

    def limited(*args, cwd, env):  # 16 KiB a file: the figures and the report are larger
        command = ["bash", "-c", 'ulimit -f 16 && exec "$@"', "bash", sys.executable, "-m", "reglab", *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)

    assert reglab("run", str(spec), "--out", "out", cwd=tmp_path).returncode == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if p.is_file()}
    cold = {**os.environ, "REGLAB_CACHE_DIR": str(tmp_path / "cache")}  # the caches cannot be written either
    done = limited("run", str(spec), "--out", "out", cwd=tmp_path, env=cold)
    assert one_line(done) and "File too large" in done.stderr, done.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out", "tiny.toml"]  # nothing half-written
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(TINY.split("[[models]]")[0] + '[sweep]\nregularizers = ["l2"]\nlambdas = [0.01]\n')
    done = limited("sweep", str(sweep), "--out", "grid", cwd=tmp_path,
                   env={**cold, "REGLAB_CACHE_DIR": str(tmp_path / "c2")})
    assert one_line(done) and "File too large" in done.stderr, done.stderr
    assert not [p for p in (tmp_path / "grid").rglob("*") if ".tmp" in p.name]  # whole chunks or none


def test_one_process_at_a_time_writes_a_sweep_folder_and_a_killed_one_lets_go(tmp_path):
    (tmp_path / "slow.toml").write_text(SLOW_SWEEP)
    first = subprocess.Popen([sys.executable, "-m", "reglab", "sweep", "slow.toml", "--out", "s"], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not (tmp_path / "s" / "sweep.json").exists():  # written once the first process holds the folder
            assert first.poll() is None and time.time() < deadline
            time.sleep(0.05)
        second = reglab("sweep", "slow.toml", "--out", "s", "--epochs", "3", cwd=tmp_path)
        assert one_line(second) and f"process {first.pid} is writing" in second.stderr
        assert first.poll() is None  # the second touched nothing of the first's
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    third = reglab("sweep", "slow.toml", "--out", "s", "--epochs", "3", cwd=tmp_path)
    assert one_line(third) and "another sweep" in third.stderr  # the lock died with its process; the folder holds
    assert os.path.exists(tmp_path / "s" / "sweep.json")  # the first's sweep, which is kept


def test_validation_split_0_trains_on_everything_and_reports_no_validation_figures(tmp_path):
    (tmp_path / "noval.toml").write_text('[data]\nvalidation_split = 0\n[defaults]\nhidden = [4]\nepochs = 3\n'
                                         '[[models]]\nname = "plain"\n[[models]]\nname = "ridge"\n'
                                         'kernel_regularizer = "l2(0.01)"\n')
    done = reglab("run", "noval.toml", "--out", "o", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "val loss" not in done.stdout and "acc" in done.stdout
    import json

    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert set(metrics["models"][1]["final"]) == {"data_loss", "penalty", "accuracy", "loss"}
    assert "val data loss" not in (tmp_path / "o" / "report.html").read_text()
    (tmp_path / "sweep.toml").write_text('[data]\nvalidation_split = 0\n[sweep]\nregularizers = ["l2"]\n')
    assert one_line(reglab("sweep", "sweep.toml", "--out", "s", cwd=tmp_path), "validation_split")
    assert not (tmp_path / "s").exists()
