"""The command-line face: ``reglab demo [features]``, ``reglab run SPEC``, ``reglab sweep [SPEC]`` and ``reglab spec
NAME``. It parses, calls the API and prints the network and a table.

Bad input prints one line (``reglab: error: FIELD: got VALUE; allowed: WHAT``) and exits with code 2.
"""

import json
import os
import shlex
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from .sklearn.versus_gridsearch import DATASETS
from .studies import spec as specs
from .vocabulary.errors import ReglabError
from .vocabulary.executors import CHOICES, EXECUTORS
from .vocabulary.kinds import AXES, KINDS, PENALTIES

# Data loss is the cross-entropy alone (the penalty is its own column); sparsity is over all kernel weights.
COLUMNS = [("model", "model", "{}"), ("data_loss", "loss", "{:.3g}"), ("val_data_loss", "val loss", "{:.3g}"),
           ("accuracy", "acc", "{:.3f}"), ("val_accuracy", "val acc", "{:.3f}"), ("penalty", "penalty", "{:.3g}"),
           ("zeros", "zeros", "{:.1%}"), ("boundary_length", "boundary", "{:.2f}")]  # within 80 columns: the
# report also has the weights below 1e-3 and the training seconds
NOTES = {"data_loss": "loss: cross-entropy, without the penalty",  # the table's caption, for the columns it shows
         "zeros": "zeros: share of kernel weights at exactly 0",
         "boundary_length": "boundary: length of the P = 0.5 line in the plotting window"}


def _common(command):
    command = click.option("--out", type=click.Path(),
                           help="Output folder (default reglab-out/<name>).")(command)
    command = click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Model seed for every model: "
                           "initialization, shuffling and dropout (the data keep their own seed).")(command)
    command = click.option("--epochs", type=click.IntRange(1), help="Epochs for every model.")(command)
    return command


class _OneLineUsage(click.Group):
    """click's usage errors (an unknown flag, a value out of range) as the one line every other bad input gives."""

    def main(self, *args, **kwargs):
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as err:  # a bare ``reglab``: the help, as click gives it
            err.show()
            sys.exit(err.exit_code)
        except click.UsageError as err:
            click.echo(f"reglab: error: {err.format_message()}", err=True)
            sys.exit(2)
        except click.ClickException as err:
            err.show()
            sys.exit(err.exit_code)
        except click.Abort:
            sys.exit(130)


@click.group(cls=_OneLineUsage, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reglab")
def main():
    """reglab: see and measure what regularization does to a neural network, in seconds."""


@main.group(invoke_without_command=True)
@_common
@click.pass_context
def demo(ctx, out, seed, epochs):
    """The lecture's study: moons, a 2-128-128-1 MLP, Adam(0.01), 2000 epochs, and five models (none, l1(0.001),
    l2(0.01), dropout 0.2, and l1(0.001) with proximal steps), plus a small lambda path for the lecture's claims.
    Prints a table and writes reglab-out/demo/report.html. `reglab demo features` runs the feature-selection study."""
    if ctx.invoked_subcommand is None:
        _run(specs.builtin("seed"), out, seed, epochs, "reglab demo")


@demo.command("features")
@_common
def demo_features(out, seed, epochs):
    """Feature selection: 3 informative inputs among 20; none, L1 (subgradient and proximal), group lasso on the
    inputs and L2, each on the input layer. Prints which inputs each model keeps, with precision and recall."""
    _run(specs.builtin("features"), out, seed, epochs, "reglab demo features")


@demo.command("tabular")
@click.option("--out", type=click.Path(), help="Output folder (default reglab-out/tabular).")
@click.option("--epochs", type=click.IntRange(1), default=100, show_default=True, help="Epochs for every model.")
@click.option("--alphas", type=click.IntRange(1), default=8, show_default=True,
              help="Alphas, log-spaced from 1e-5 to 10 in scikit-learn's units.")
@click.option("--folds", type=click.IntRange(2), default=5, show_default=True, help="Cross-validation folds.")
@click.option("--penalty", type=click.Choice([k for k in PENALTIES if k != "none"]), default="l2",
              show_default=True, help="reglab's penalty (scikit-learn's is l2).")
@click.option("--data", "names", default=",".join(DATASETS), show_default=True,
              help="Comma-separated data sets.")
def demo_tabular(out, epochs, alphas, folds, penalty, names):
    """Choosing λ on tabular data: reglab's cross-validated path beside scikit-learn's GridSearchCV over its
    MLPClassifier / MLPRegressor (breast_cancer, wine, digits; diabetes, a regression), same folds, network (64 x
    64), batch 32, Adam(0.001) and epochs: CV score, chosen alpha, inputs used, seconds."""
    from .sklearn.versus_gridsearch import COLUMNS as TABLE
    from .sklearn.versus_gridsearch import run as run_tabular

    with _one_line_errors("nothing was written to the output folder"):
        result = run_tabular(out, epochs=epochs, alphas=alphas, folds=folds, penalty=penalty,
                             names=tuple(n.strip() for n in names.split(",") if n.strip()))
    console = _console()
    console.print(_table("Choosing λ on tabular data", result.rows, TABLE,
                         "CV score: accuracy (diabetes: R²); alpha in scikit-learn's units"))
    console.print(_report_line(result), soft_wrap=True)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@_common
def run(spec, out, seed, epochs):
    """Run the experiment described in the TOML file SPEC, or a built-in spec by name (seed, features, sweep; print
    one with `reglab spec seed`)."""
    _run(spec, out, seed, epochs, f"reglab run {shlex.quote(spec)}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on; the default answers this machine only.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port (0: any free one).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option("--save", type=click.Path(), help="Write the page, with its models inside, to this HTML file "
              "instead of serving it (no server needed to open it).")
@click.argument("sweep", required=False, type=click.Path())
def explore(host, port, no_browser, save, sweep):
    """A page where networks train while you watch: move a control and a path of models around the chosen
    strength trains, scrub λ and epochs. Opens with the lecture's study; with SWEEP (a sweep's folder), shows that
    finished sweep instead."""
    from .explore import static_page
    from .explore.server import serve

    with _one_line_errors("the server stopped." if not save else "nothing was written."):
        if sweep and not (Path(sweep) / "sweep.json").is_file():
            raise ReglabError("sweep", sweep, "a sweep's folder (one holding sweep.json)")
        data = static_page.sweep_data(sweep) if sweep else static_page.study_data() if save else None
        if save:
            click.echo(f"page: {static_page.save(save, data)}")
            return
        serve(host, port, open_browser=not no_browser, page=static_page.html(data) if data else None)


@main.command("spec")
@click.argument("name", type=click.Choice(specs.BUILTIN))
def spec_command(name):
    """Print the built-in spec NAME (seed: the lecture's study), to copy and edit: `reglab spec seed > my.toml`."""
    click.echo(specs.builtin(name).read_text(), nl=False)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False), required=False)
@click.option("--out", type=click.Path(), help="Sweep folder (default reglab-out/<name>); "
              "rerunning into it finishes what is missing.")
@click.option("--epochs", type=click.IntRange(1), help="Epochs for every model.")
@click.option("--seeds", type=click.IntRange(1), help="Number of seeds (0..N-1) per grid point.")
@click.option("--regularizers", help="Comma-separated kinds: " + "; ".join(f"{k.name}: {k.help}" for k in
                                                                         KINDS.values()) + ".")
@click.option("--lambdas", help="The strengths: START:STOP:NUM (log-spaced) or a comma-separated list; for dropout "
              "its rates, for max_norm its norms, for early_stopping its patiences (default per scale: " + "; ".join(
                  f"{a.name} {', '.join(f'{v:g}' for v in a.default[:3])}, ..." for a in AXES.values()) + ").")
@click.option("--l1-ratio", type=click.FloatRange(0, 1), help="elastic_net's share of L1 in its lambda "
              "(default 0.5).")
@click.option("--chunk-size", type=click.IntRange(1), help="Models per saved chunk.")
@click.option("--axis", "axes", multiple=True, metavar="SETTING=VALUES",
              help="A further axis: a model setting or data.<setting> and its values, comma-separated or as a JSON "
              "list (hidden='[[16,16],[128,128]]', data.n=50,100,400); repeat for more axes.")
@click.option("--executor", type=click.Choice(CHOICES), default="auto", show_default=True,
              help="; ".join(f"{name}: {what}" for name, what in EXECUTORS.items()) + ".")
@click.option("--address", help="With --executor ray: the cluster to join (auto, or HOST:PORT); default: a local "
              "Ray runtime for this sweep.")
def sweep(spec, out, epochs, seeds, regularizers, lambdas, l1_ratio, chunk_size, axes, executor, address):
    """A regularization path: a grid over lambda x regularizer x seed (x any further --axis), trained as chunks
    into a resumable folder, with its report. Without SPEC: the lecture's data and network, l1 and l2 over 16
    lambdas from 1e-5 to 1e-1, 4 seeds (128 models of 2000 epochs)."""
    from dataclasses import replace

    from .explore.static_page import sweep_page
    from .studies.sweep_grid import Grid
    from .studies.sweeps import run_grid

    argv = " ".join(shlex.quote(a) for a in sys.argv[1:])
    with _one_line_errors("finished chunks are saved, and the same command finishes the rest"):
        if address and executor != "ray":
            raise ReglabError("--address", address, "a cluster address with --executor ray")
        study = specs.read(spec or specs.builtin("sweep")).with_overrides(epochs=epochs)
        if study.grid is None:
            raise ReglabError("spec", spec, "a spec with a [sweep] table")
        flags = {k: v for k, v in (("seeds", seeds), ("regularizers", regularizers), ("l1_ratio", l1_ratio))
                 if v is not None}
        if lambdas:  # the strengths, on each of the grid's kinds' scales
            chosen = Grid.build(regularizers=regularizers or study.grid.regularizers).regularizers
            flags.update({KINDS[kind].axis: lambdas for kind in chosen if KINDS[kind].axis})
        if axes:
            flags["axes"] = {**{name: list(values) for name, values in study.grid.axes}, **_axes(axes)}
        built = Grid.build(**{"regularizers": study.grid.regularizers, **flags})  # axes are checked against kinds
        grid = replace(study.grid, **{k: getattr(built, k) for k in flags})
        result = run_grid(study.load_split(), study.base, grid, out=out or f"reglab-out/{study.name}",
                          chunk_size=chunk_size or study.chunk_size, executor=executor, address=address,
                          rerun=f"reglab {argv}", title=study.title, variant=study.load_split, page=sweep_page)
    _print_sweep(result)


def _axes(flags) -> dict:
    """``--axis SETTING=VALUES`` flags as {setting: [value, ...]}: VALUES a JSON list, or comma-separated JSON
    values or bare words (data.name=moons,circles)."""
    out = {}
    for flag in flags:
        name, sep, text = flag.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise ReglabError("--axis", flag, "SETTING=VALUES, e.g. data.n=50,100,400 or hidden='[[16,16],[64,64]]'")
        text = text.strip()
        try:
            values = json.loads(text) if text.startswith("[") else [_word(v) for v in text.split(",")]
        except json.JSONDecodeError:
            raise ReglabError(f"--axis {name.strip()}", text, "a JSON list, or comma-separated values") from None
        out[name.strip()] = values
    return out


def _word(text):
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@contextmanager
def _one_line_errors(after_interrupt):
    """Bad input: one line and exit code 2. Ctrl-C: one line saying ``after_interrupt`` and exit code 130."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C stops cleanly, even where the shell ignored it
    try:
        yield
    except ReglabError as err:
        click.echo(f"reglab: error: {err}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo(f"reglab: interrupted; {after_interrupt}", err=True)
        sys.exit(130)


def _print_sweep(result):
    from .views import best_rows
    from .views.axes import label
    from .views.sweep_report import BEST_COLUMNS

    names = list(result.grid.names)
    rows = [{**r, **{n: label("", r[n]).strip() for n in names}} for r in best_rows(result.frame, names)]
    title = f"best strength per regularizer ({len(result.frame)} models, {result.trained} trained now)"
    console = _console()
    console.print(_table(title, rows, BEST_COLUMNS[:1] + [(n, n, "{}") for n in names] + BEST_COLUMNS[1:]))
    console.print(_report_line(result), soft_wrap=True)


_IMPORTED = time.perf_counter()


def _since_start() -> float:
    """Seconds since this process started, from the kernel's record where there is one (Linux's /proc: start time
    in clock ticks since boot, against the uptime), else since this module was imported."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        return float(Path("/proc/uptime").read_text().split()[0]) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED


def _report_line(result) -> str:
    """Where the report is and how long it took: the work itself, and the whole command from its process's start
    (Python's and the libraries' start-up, loading or compiling programs, training, figures, writing)."""
    return (f"report: {result.out / 'report.html'}  ({result.seconds:.1f} s of work; {_since_start():.1f} s since "
            "the command started)")


def _console():
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 120)  # a pipe gets the whole table, not 80 columns


def _table(title, rows, columns, caption=None):
    """A rich table of ``rows`` (dicts); ``columns``: (key, title, format string) each, as the reports' tables.
    Light rules and folding cells (never cut with "…") keep the demo's table within an 80-column terminal."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  collapse_padding=True)
    columns = [c for c in columns if any(c[0] in row for row in rows)]  # no validation data: no val_* columns
    for i, (key, name, fmt) in enumerate(columns):  # words to the left, numbers to the right
        width = min(max((len(str(row.get(key, ""))) for row in rows), default=0), 18) if i == 0 else None
        table.add_column(name, justify="left" if fmt == "{}" else "right", overflow="fold", min_width=width)
    for row in rows:
        table.add_row(*(fmt.format(row.get(key, float("nan"))) for key, _, fmt in columns))
    return table


def _run(spec_path, out, seed, epochs, command):
    with _one_line_errors("nothing was written to the output folder"):
        study = specs.read(spec_path).with_overrides(seed=seed, epochs=epochs)
        if not study.models:
            raise ReglabError("models", [], "[[models]] tables (this spec has only a [sweep]: run it with reglab "
                              "sweep)")
        flags = (("seed", seed), ("epochs", epochs), ("out", out))
        rerun = " ".join([command] + [f"--{k} {v}" for k, v in flags if v is not None])
        from .studies.study import run_study

        result = run_study(study, out, progress=True, rerun=rerun)
    from .views.report import LAYER_COLUMNS, networks, summary_rows
    from .views.study_report import SELECTION_COLUMNS, selection_rows

    console = _console()
    for names, rows in networks(result.runs):
        total = sum(r["params"] for r in rows)
        console.print(_table(f"network of {', '.join(names)}", rows, LAYER_COLUMNS, f"Total params: {total:,}"))
    rows = summary_rows(result.runs)
    notes = "; ".join(note for key, note in NOTES.items() if any(key in row for row in rows))
    console.print(_table(result.study.title, rows, COLUMNS, notes))
    informative = result.split.dataset.params.get("informative")
    if informative:
        names = ", ".join(result.split.dataset.feature_names[i] for i in informative)
        console.print(_table(f"inputs used (informative: {names})", selection_rows(result.runs, informative),
                             SELECTION_COLUMNS))
    console.print(_report_line(result), soft_wrap=True)


if __name__ == "__main__":
    main()
