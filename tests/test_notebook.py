"""The lecture as a notebook (``docs/lecture.ipynb``): it runs top to bottom in a fresh kernel, and its five models
are the demo's, number for number."""

import json
import shutil
from pathlib import Path

import pytest

import reglab
from reglab.studies import spec

LECTURE = Path(__file__).parents[1] / "docs" / "lecture.ipynb"
pytestmark = pytest.mark.slow  # a kernel is a process of its own


def test_the_stored_notebook_shows_every_cells_output():
    """A repository's web view shows what is stored: every code cell ran, in order, and left an output."""
    import nbformat

    cells = [c for c in nbformat.read(LECTURE, as_version=4).cells if c.cell_type == "code"]
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    assert all(c.outputs for c in cells) and not any(o.output_type == "error" for c in cells for o in c.outputs)


def test_the_lecture_runs_in_a_fresh_kernel_and_its_models_are_the_demos(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    shutil.copy(LECTURE, tmp_path / "lecture.ipynb")
    notebook = nbformat.read(tmp_path / "lecture.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}})
    probe = nbformat.v4.new_code_cell("import json; print(json.dumps(finals))")  # what the notebook computed
    with client.setup_kernel():  # the kernel inherits this process's environment: the tests' cache
        for i, cell in enumerate(notebook.cells):
            client.execute_cell(cell, i)
        notebook.cells.append(probe)
        client.execute_cell(probe, len(notebook.cells) - 1)
    finals = json.loads(probe.outputs[0]["text"])

    study = spec.read(spec.builtin("seed"))  # reglab demo's five models on its split, trained here
    demo = dict(zip([name for name, _ in study.models],
                    reglab.compare(study.load_split(), dict(study.models))))
    assert list(finals) == list(demo)
    for name, run in demo.items():
        assert finals[name]["data_loss"] == run.final["data_loss"], name
        assert finals[name]["accuracy"] == run.final["accuracy"], name
        assert finals[name]["zeros"] == pytest.approx(run.kernel_fractions()["zeros"], rel=1e-12), name
    assert finals["l1(0.001) proximal"]["zeros"] > 0.9 > finals["l1(0.001)"]["zeros"]  # the lecture's claim
