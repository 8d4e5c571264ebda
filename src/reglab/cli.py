"""The command-line face: ``reglab demo`` and ``reglab run SPEC.toml``. It parses, calls the API, prints a table.

Bad input prints one line (``reglab: error: FIELD: got VALUE; allowed: WHAT``) and exits with code 2.
"""

from __future__ import annotations

import shlex
import sys

import click

from . import spec as specs
from .errors import ReglabError

# Data loss is the cross-entropy alone (the penalty is its own column); sparsity is over all kernel weights.
COLUMNS = [("data_loss", "loss", "{:.3g}"), ("val_data_loss", "val loss", "{:.3g}"), ("accuracy", "acc", "{:.3f}"),
           ("val_accuracy", "val acc", "{:.3f}"), ("penalty", "penalty", "{:.3g}"), ("zeros", "zeros", "{:.1%}"),
           ("below_1e-3", "|w|<1e-3", "{:.1%}"), ("train_seconds", "s", "{:.2f}")]


def _common(command):
    command = click.option("--out", type=click.Path(file_okay=False), help="Output folder (default reglab-out/<name>).")(command)
    command = click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Model seed for every model: "
                           "initialization, shuffling and dropout (the data keep their own seed).")(command)
    command = click.option("--epochs", type=click.IntRange(1), help="Epochs for every model.")(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reglab")
def main():
    """reglab: see and measure what regularization does to a neural network, in seconds."""


@main.command()
@_common
def demo(out, seed, epochs):
    """The lecture's study: moons, a 2-128-128-1 MLP, Adam(0.01), 2000 epochs, and four models
    (none, l1(0.001), l2(0.01), dropout 0.2). Prints a table and writes reglab-out/demo/report.html."""
    _run(specs.builtin("seed"), out, seed, epochs, "reglab demo")


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@_common
def run(spec, out, seed, epochs):
    """Run the experiment described in the TOML file SPEC (schema: see the README or examples/seed.toml)."""
    _run(spec, out, seed, epochs, f"reglab run {shlex.quote(spec)}")


def _run(spec_path, out, seed, epochs, command):
    from rich.console import Console

    try:
        study = specs.read(spec_path).with_overrides(seed=seed, epochs=epochs)
        rerun = " ".join([command] + [f"--{k} {v}" for k, v in (("seed", seed), ("epochs", epochs), ("out", out)) if v is not None])
        from .api import run_study

        result = run_study(study, out, progress=True, rerun=rerun)
    except ReglabError as err:
        click.echo(f"reglab: error: {err}", err=True)
        sys.exit(2)
    console = Console(width=None if sys.stdout.isatty() else 120)  # a pipe gets the whole table, not 80 columns
    console.print(_table(result))
    console.print(f"report: {result.out / 'report.html'}  ({result.seconds:.1f} s)", soft_wrap=True)


def _table(result):
    from rich.table import Table

    from .views.report import summary_rows

    table = Table(title=result.study.title, caption="loss = data loss (cross-entropy); zeros and |w|<1e-3 over all kernels")
    table.add_column("model", no_wrap=True)
    for _, title, _ in COLUMNS:
        table.add_column(title, justify="right")
    for row in summary_rows(result.runs):
        table.add_row(row["model"], *(fmt.format(row[key]) for key, _, fmt in COLUMNS))
    return table


if __name__ == "__main__":
    main()
