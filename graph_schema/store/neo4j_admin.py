"""Node and relationship CSV files for ``neo4j-admin database import full`` (``baotuan export --format neo4j-admin``).

A transaction through the driver holds all its changes in the server's memory, so a national
world (tens of millions of rows) is loaded offline instead: export it here, run the import tool
into an empty database, start the server, and open it with the Neo4j store (which adds its
constraints and indexes on first open). The files make exactly the graph that
:class:`~graph_schema.store.neo4j.Neo4jGraphStore` writes (see :mod:`graph_schema.store.cypher`).
"""

from __future__ import annotations

import csv
import os
import shlex
import subprocess
from pathlib import Path

import pandas as pd

from ..contract.dataset import Dataset, format_frame
from ..contract.tables import TABLES
from ..contract.vocabulary import SERVICE_LABELS_ZH
from .cypher import NODE_MAPS, REL_MAPS, End
from .neo4j import review_key

__all__ = ["write_neo4j_admin_csv", "import_command", "run_import_tool"]

#: how a column's kind is declared in a neo4j-admin header
_HEADER_TYPES = {"int": "int", "float": "double", "bool": "boolean"}


def _typed(name: str, kind: str) -> str:
    t = _HEADER_TYPES.get(kind)
    return f"{name}:{t}" if t else name


def _write(path: Path, header: list[str], columns: list[pd.Series]) -> int:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(header)
        rows = list(zip(*columns, strict=True)) if columns else []
        writer.writerows(rows)
    return len(rows)


def _ids(dataset: Dataset, end: End) -> set[str]:
    if end.label == "Service":
        return set(SERVICE_LABELS_ZH)
    m = next(m for m in NODE_MAPS.values() if m.label == end.label)
    return set(dataset[m.table][m.key])


def write_neo4j_admin_csv(dataset: Dataset, folder: str | os.PathLike) -> Path:
    """Write ``dataset`` as neo4j-admin import files and a README.txt with the command.

    Rows whose reference points at nothing (possible in a SQLite store after a delete) are
    left out, as the import tool would refuse them; README.txt says how many.

    Parameters
    ----------
    dataset : Dataset
        What to write, e.g. ``store.load_dataset()``.
    folder : path
        Created if absent; existing files of the same names are replaced.

    Returns
    -------
    Path
        The folder.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> ds = Dataset({"villages": pd.DataFrame({"village_id": ["V1"], "name": ["易洼村"],
    ...     "county": ["泰山区"], "lat": [36.3], "lon": [117.2]})})
    >>> out = write_neo4j_admin_csv(ds, tempfile.mkdtemp())
    >>> (out / "villages.csv").read_text(encoding="utf-8").splitlines()[0]
    'village_id:ID(Village),name,county,town,lat:double,lon:double,population:int,poor_households:int,:LABEL'
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, int] = {}
    rels: dict[str, int] = {}
    dropped: dict[str, int] = {}

    services = sorted(SERVICE_LABELS_ZH)
    nodes["services.csv"] = _write(
        out / "services.csv",
        ["code:ID(Service)", "label_zh", ":LABEL"],
        [
            pd.Series(services),
            pd.Series([SERVICE_LABELS_ZH[s] for s in services]),
            pd.Series(["Service"] * len(services)),
        ],
    )
    for name, m in NODE_MAPS.items():
        spec, frame = TABLES[name], dataset[name]
        text = format_frame(spec, frame)
        refs = {end.column for _, end in m.refs} - set(m.ref_properties)
        props = [c for c in spec.columns if c.name not in refs]
        header, columns = [], []
        if name == "reviews":
            header.append(f"{m.key}:ID({m.label})")
            keys = [
                review_key(p, d, r)
                for p, d, r in zip(
                    frame["project_id"], frame["reviewed_on"], frame["reviewer"], strict=True
                )
            ]
            columns.append(pd.Series(keys))
        for c in props:
            header.append(f"{c.name}:ID({m.label})" if c.name == m.key else _typed(c.name, c.kind))
            columns.append(text[c.name])
        header.append(":LABEL")
        columns.append(pd.Series([m.label] * len(frame)))
        nodes[spec.filename] = _write(out / spec.filename, header, columns)
        for rel, end in m.refs:  # references kept as relationships: one file per type
            own = text[m.key] if name != "reviews" else pd.Series(keys)
            target = frame[end.column]
            keep = target.notna() & target.isin(_ids(dataset, end))
            dropped[f"{name}.{end.column}"] = int((target.notna() & ~keep).sum())
            filename = f"{name}_{rel.lower()}.csv"
            rels[filename] = _write(
                out / filename,
                [f":START_ID({m.label})", f":END_ID({end.label})", ":TYPE"],
                [own[keep.to_numpy()], target[keep], pd.Series([rel] * int(keep.sum()))],
            )
    for name, r in REL_MAPS.items():
        spec, frame = TABLES[name], dataset[name]
        text = format_frame(spec, frame)
        keep = frame[r.start.column].isin(_ids(dataset, r.start)) & frame[r.end.column].isin(
            _ids(dataset, r.end)
        )
        dropped[name] = int((~keep).sum())
        mask = keep.to_numpy()
        header = [f":START_ID({r.start.label})", f":END_ID({r.end.label})"]
        columns = [text[r.start.column][mask], text[r.end.column][mask]]
        for c in spec.columns:
            if c.name not in (r.start.column, r.end.column):
                header.append(_typed(c.name, c.kind))
                columns.append(text[c.name][mask])
        header.append(":TYPE")
        columns.append(pd.Series([r.type] * int(mask.sum())))
        rels[spec.filename] = _write(out / spec.filename, header, columns)

    command = import_command(list(nodes), list(rels))
    lines = [
        "Neo4j bulk import files written by `baotuan export --format neo4j-admin`.",
        "",
        "Load them into an EMPTY database with the server stopped, then start it:",
        "",
        "  cd " + str(out.resolve()),
        "  " + command,
        "",
        "Then open the store (constraints and indexes are created on first open):",
        "  baotuan --store bolt://HOST:7687 export check/",
        "",
        "Rows per file:",
        *[f"  {f:32} {n:>12} nodes" for f, n in nodes.items()],
        *[f"  {f:32} {n:>12} relationships" for f, n in rels.items()],
    ]
    skipped = {k: v for k, v in dropped.items() if v}
    if skipped:
        lines += ["", "Left out (their reference points at nothing stored):"]
        lines += [f"  {k:32} {v:>12}" for k, v in skipped.items()]
    (out / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def import_command(
    node_files: list[str], rel_files: list[str], database: str = "neo4j", admin: str = "neo4j-admin"
) -> str:
    """The ``neo4j-admin database import full`` command line for these files (run in their folder).

    >>> import_command(["villages.csv"], ["needs.csv"])
    'neo4j-admin database import full neo4j --overwrite-destination=true --multiline-fields=true --nodes=villages.csv --relationships=needs.csv'
    """
    # The database comes first: --nodes and --relationships take several files each.
    parts = [admin, "database", "import", "full", database]
    parts += ["--overwrite-destination=true", "--multiline-fields=true"]
    parts += [f"--nodes={f}" for f in node_files] + [f"--relationships={f}" for f in rel_files]
    return " ".join(parts)


def run_import_tool(
    folder: str | os.PathLike,
    lib: str | os.PathLike,
    home: str | os.PathLike,
    heap: str = "1g",
    max_off_heap: str = "2g",
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """Run the import command of ``folder``'s README.txt with the jars in ``lib`` into a new database under ``home``.

    ``lib`` is a flat folder of Neo4j's jars (``.ci/neo4j-server fetch`` makes one); ``home`` gets a
    ``conf/neo4j.conf`` that puts the data and logs inside it. Returns the finished process
    (its stdout ends with the counts the tool imported).
    """
    folder, home = Path(folder), Path(home)
    (home / "conf").mkdir(parents=True, exist_ok=True)
    (home / "conf" / "neo4j.conf").write_text(
        f"server.directories.data={home / 'data'}\nserver.directories.logs={home / 'logs'}\n"
    )
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if "neo4j-admin database import" in line)
    args = shlex.split(command)[1:]  # after "neo4j-admin": database import full neo4j ...
    args[4:4] = [f"--max-off-heap-memory={max_off_heap}"]  # not 90% of the free memory
    java = ["java", f"-Xmx{heap}", "-cp", f"{Path(lib)}/*", "org.neo4j.cli.AdminTool"]
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    return subprocess.run(
        java + args, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout
    )
