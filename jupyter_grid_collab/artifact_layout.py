"""Where downloaded artifacts land, the same for every face (``grid artifacts``, the TeamPanel,
the extension's fetch): ``<dir>/<owner>/<run>/<experiment>/<path>``.

The owner level keeps teammates' runs of the same name apart (cloning a run under its own
name is normal), so downloads of several people's runs into one folder never mix. Every
downloader plans all its files first and checks the plan before a byte is written: an
artifact asked for twice is fetched once, and two different artifacts that would write the
same file (or one a file where the other needs a folder) are refused, naming both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from .client import CHUNK, Conflict, GridError, part_path
from .models import Artifact, ReferenceError, split_experiment_name, validate_relative_path
from .references import EXPERIMENT, Ref


class DownloadClash(Conflict):
    """Two artifacts of one download would write the same file."""


@dataclass(frozen=True)
class Placed:
    """One artifact to download, the reference it was asked for by, and its file."""

    source: str
    artifact: Artifact
    dest: Path

    @property
    def experiment(self) -> Ref:
        """The experiment the artifact belongs to, to download it by."""
        return Ref(EXPERIMENT, self.artifact.experiment or "", self.artifact.owner)

    def describe(self) -> str:
        """The artifact as a person would name it, with the reference that asked for it."""
        a = self.artifact
        named = f"{a.owner}:{a.experiment}"
        asked = "" if self.source == named else f" (from {self.source})"
        return f"'{a.path}' of {named}{asked}"


def run_folder(root: PurePath, owner: str, run: str) -> PurePath:
    """The folder one run's experiments land in, under a download folder."""
    return root / owner / run


def landing_folder(root: PurePath, ref: Ref) -> PurePath:
    """Where a download of ``ref`` (a run, or one experiment) puts its files."""
    if ref.owner is None:
        raise ValueError("where a download lands depends on the reference's owner")
    folder = run_folder(root, ref.owner, ref.run_name)
    return folder if ref.kind != EXPERIMENT else folder / ref.name


def _one_folder(value: str | None, what: str) -> str:
    """A name from the team server used as one folder (an owner, an experiment), never a
    path that could reach another folder."""
    if not value or "/" in value or "\\" in value or value in (".", ".."):
        raise GridError(f"the team server listed an artifact with no usable {what}: {value!r}")
    return value


def artifact_dest(root: Path, artifact: Artifact) -> Path:
    """``<root>/<owner>/<run>/<experiment>/<path>``; the names and the path come from the
    team server, and none may name a file outside ``root``."""
    owner = _one_folder(artifact.owner, "owner")
    experiment = _one_folder(artifact.experiment, "experiment")
    try:
        # an artifact always belongs to an experiment, named <run>-exp<N>
        run, _ = split_experiment_name(experiment)
        path = validate_relative_path(artifact.path, "artifact path")
    except ReferenceError as exc:
        raise GridError(f"the team server listed an unusable artifact: {exc}") from None
    return Path(run_folder(root, owner, run)) / experiment / path


def place(root: Path, found: Iterable[tuple[str, Artifact]]) -> list[Placed]:
    """Where each artifact of ``found`` (the reference asked for, the artifact) lands under
    ``root``, each once. Raises DownloadClash, before anything is written, when two
    different artifacts would write one file or one's file is where another needs a
    folder."""
    placed: dict[tuple, Placed] = {}
    for source, artifact in found:
        # the same artifact asked for twice (a run and one of its experiments) is one file
        key = (artifact.owner, artifact.experiment, artifact.path)
        if key not in placed:
            placed[key] = Placed(source, artifact, artifact_dest(root, artifact))
    plan = list(placed.values())
    _refuse_clashes(plan)
    return plan


def _refuse_clashes(plan: list[Placed]) -> None:
    # a download writes its file and, until the sha256 checks out, the file's .part
    written: dict[Path, Placed] = {}
    for p in plan:
        for path in (p.dest, part_path(p.dest)):
            other = written.setdefault(path, p)
            if other is not p:
                raise _clash(other, p, f"would both write {path}")
    folders: dict[Path, Placed] = {}
    for p in plan:
        for parent in p.dest.parents:
            folders.setdefault(parent, p)
    for path, p in written.items():
        if path in folders:
            raise _clash(
                p, folders[path], f"cannot both be written: {path} would be a file and a folder"
            )


def _clash(first: Placed, second: Placed, what: str) -> DownloadClash:
    return DownloadClash(
        f"{first.describe()} and {second.describe()} {what}; nothing was downloaded. "
        "Download them one at a time into different folders (a match pattern picks one)."
    )


def is_complete(dest: Path, artifact: Artifact) -> bool:
    """The local file is the artifact already: same size, then same sha256 (a resumed
    download skips it)."""
    try:
        if not dest.is_file() or dest.stat().st_size != artifact.size:
            return False
        digest = hashlib.sha256()
        with open(dest, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == artifact.sha256
