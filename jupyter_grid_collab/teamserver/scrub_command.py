"""``grid-collab-server scrub``: every stored blob hashed now, and what is wrong said by name.

Safe while the team server runs: it reads the blobs and appends its verdicts to the stamp
file the server follows (blob_stamps.py), so a blob it finds corrupted is refused by the
running server from its next read on, by a datastore mount on this machine, and after a
restart. For a remote blob store (``--blobs s3://...``) it only reports: the verdicts of a
remote store live in the server's memory, which its own background scrub fills.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from sqlalchemy.engine import Engine

from .blob_integrity import BlobVerifier, Stamps, local_verifier
from .blob_report import blob_uses, referenced_blobs
from .blobs import BlobStore
from .scrub import MB, Pace, PassReport, scrub_pass, summary


def _progress(report: PassReport) -> None:
    # a large store takes a while: say how far it got (stderr: stdout is the report)
    print(f"scrub: {summary(report).split(';')[0]} so far", file=sys.stderr, flush=True)


def run_scrub(
    engine: Engine,
    blobs_url: str,
    mb_per_second: float | None,
    echo: Callable[[str], None] = print,
) -> bool:
    """Check every blob, then that every blob a record names is there; print each problem
    with what it is, and a summary. Returns whether anything is wrong."""
    store = BlobStore(blobs_url)
    verifier = local_verifier(store.root) if store.is_local else BlobVerifier(store, Stamps())
    pace = Pace(mb_per_second * MB if mb_per_second else None)
    report = scrub_pass(verifier, pace, save=_progress)
    missing = sorted(sha for sha in referenced_blobs(engine) if not store.exists(sha))
    uses = blob_uses(engine, [*report.bad, *missing])
    for label, shas in (("corrupted", report.bad), ("missing", missing)):
        for sha in shas:
            named = "; ".join(uses.get(sha) or ["no record points at it"])
            echo(f"{label}: {sha}: {named}")
    line = f"scrub: {summary(report)}"
    if missing:
        line += f"; {len(missing)} missing (named by records, not in the store)"
    echo(line)
    if report.bad:
        echo(
            "a corrupted blob is refused from now on (reads answer 500 naming it); restore "
            "it from a backup, or upload the same file again"
        )
    return bool(report.bad or missing)
