"""The self-contained HTML report: figures embedded as PNG, the summary and sparsity tables, every model's full
config, library versions and the command that reruns it."""

import base64
import html
import json
import platform
from importlib.metadata import PackageNotFoundError, version

from .weights import sparsity_rows

CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:0}.sub{color:#666;margin-top:.2em}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{padding:3px 9px;border-bottom:1px solid #ddd;text-align:right}td{white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{color:#555;font-size:13px}
pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:12px}code{background:#f2f2f2;padding:0 3px}
details{margin:.4em 0}
"""

SUMMARY_COLUMNS = [("model", "model", "{}"), ("data_loss", "train data loss", "{:.4g}"),
                   ("val_data_loss", "val data loss", "{:.4g}"), ("accuracy", "train acc", "{:.3f}"),
                   ("val_accuracy", "val acc", "{:.3f}"), ("penalty", "penalty", "{:.4g}"),
                   ("loss", "loss (Keras)", "{:.4g}"), ("val_loss", "val_loss (Keras)", "{:.4g}"),
                   ("zeros", "exact zeros", "{:.1%}"), ("below_1e-3", "|w|<1e-3", "{:.1%}"),
                   ("architecture", "live units", "{}"), ("boundary_length", "boundary length", "{:.2f}"),
                   ("boundary_pieces", "pieces", "{:d}"), ("train_seconds", "train s", "{:.2f}")]


LAYER_COLUMNS = [("layer", "Layer (type)", "{}"), ("shape", "Output Shape", "{}"), ("params", "Param #", "{:,}")]


def versions() -> dict:
    """Python's and the libraries' versions, as a report states them."""
    out = {"python": platform.python_version()}
    for package in ("reglab", "jax", "jaxlib", "optax", "numpy", "scikit-learn", "matplotlib"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "?"
    return out


def networks(runs) -> list[tuple[list[str], list[dict]]]:
    """The distinct networks among ``runs`` as Keras's summary rows, each with the names of its models."""
    found = {}
    for run in runs:
        rows = run.layers()
        found.setdefault(json.dumps(rows), ([], rows))[0].append(run.name)
    return list(found.values())


def summary_rows(runs) -> list[dict]:
    """Per model: the final figures, kernel sparsity fractions and training seconds (the CLI prints the same)."""
    return [{"model": r.name, **r.final, **r.kernel_fractions(), "train_seconds": r.train_seconds,
             "architecture": " → ".join(map(str, r.effective_architecture())), **r.extra} for r in runs]


def html_table(rows, columns):
    """An HTML table of ``rows`` (dicts); ``columns``: (key, title, format string) each, those no row has left out
    (runs without validation data have no ``val_*`` figures)."""
    columns = [c for c in columns if any(c[0] in row for row in rows)]
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title, _ in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(fmt.format(row[key]))}</td>" for key, _, fmt in columns)
                   + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def html_figure(name, caption, png):
    """A figure with its PNG embedded (the report stays one self-contained file) and its caption."""
    data = base64.b64encode(png).decode()
    return (f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def page(title, subtitle, data_summary, parts, rerun, versions) -> str:
    """A self-contained HTML page: the title, a subtitle and the data, ``parts`` (HTML strings), then the command
    that reruns it and the library versions."""
    t = html.escape(title)
    return "\n".join([
        f"<!doctype html><html><head><meta charset='utf-8'><title>{t}</title><style>{CSS}</style></head><body>",
        f"<h1>{t}</h1><p class='sub'>{html.escape(subtitle)}</p>", f"<p><b>Data</b>: {html.escape(data_summary)}</p>",
        *parts, "<h2>Reproduce</h2>", f"<pre>{html.escape(rerun)}</pre>",
        "<p>Library versions: " + ", ".join(f"{html.escape(k)} {html.escape(v)}" for k, v in versions.items()) + "</p>",
        "</body></html>"])


SPARSITY_COLUMNS = [("model", "model", "{}"), ("layer", "layer", "{}"), ("shape", "shape", "{}"),
                    ("size", "weights", "{}"), ("zeros", "exact zeros", "{}"), ("below_1e-3", "|w|<1e-3", "{}"),
                    ("below_1e-2", "|w|<1e-2", "{}"), ("dead_units", "dead units", "{}"), ("l1", "L1 norm", "{:.4g}"),
                    ("l2", "L2 norm", "{:.4g}"), ("bias_l1", "bias L1", "{:.4g}")]


def render(title, intro, data_summary, runs, figures, versions, rerun, sections=()) -> str:
    """The report as one HTML string. ``figures``: list of (file name, caption, PNG bytes); ``sections``: dicts
    with ``title``, ``text`` (plain text) and ``figures``, each shown under its heading after the figures."""
    sparsity = [{**row, "shape": "×".join(map(str, row["shape"]))}
                for row in sparsity_rows(runs)]
    dropout = any(any(r.config.dropout_rates()) for r in runs)
    validated = any("val_data_loss" in r.final for r in runs)
    parts = [
        "<h2>Summary</h2>",
        f"<p>Train figures are epoch means over batches (Keras's aggregation{', dropout active' if dropout else ''})"
        + ("; validation figures are taken after each epoch" if validated else "") + ". <i>data loss</i> is the "
        "cross-entropy alone; <i>loss</i>" + (" and <i>val_loss</i> add" if validated else " adds") + " the "
        "penalty, as Keras reports them. Sparsity counts kernel weights of all layers.</p>",
        html_table(summary_rows(runs), SUMMARY_COLUMNS),
        "<h2>Network</h2>",
    ]
    for names, rows in networks(runs):
        parts += [f"<p>{html.escape(', '.join(names))}: {sum(r['params'] for r in rows):,} parameters, all "
                  "trainable (Keras's <code>model.summary()</code>).</p>", html_table(rows, LAYER_COLUMNS)]
    parts += [html_figure(*figure) for figure in figures]
    for section in sections:
        parts.append(f"<h2>{html.escape(section['title'])}</h2><p>{html.escape(section['text'])}</p>")
        parts += [html_figure(*figure) for figure in section["figures"]]
        parts += section.get("html", [])
    parts += ["<h2>Weights per layer</h2>", html_table(sparsity, SPARSITY_COLUMNS), "<h2>Models</h2>"]
    for run in runs:
        config = html.escape(json.dumps(run.config.to_dict(), indent=1, sort_keys=True))
        parts.append(f"<details><summary><b>{html.escape(run.name)}</b> — full config</summary><pre>{config}</pre>"
                     "</details>")
    return page(title, intro, data_summary, parts, rerun, versions)
