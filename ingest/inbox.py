"""What is in an inbox besides the declared feeds' deliveries: names no feed lands (with why) and uploads that
are still in progress. Landing skips them; `qcredit ingest` and the run's report list them, so a misnamed
delivery is seen the night it arrives instead of never landing in silence."""

from __future__ import annotations

import re
from pathlib import Path

from ingest import registry

# Name endings of uploads in progress (browser, rsync, sftp clients): left alone until they are complete.
UPLOAD_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".filepart", ".uploading")


def ignored_names(inbox: Path) -> tuple[list[dict], list[dict]]:
    """(names no declared feed lands, with why; names still being uploaded), as `{"path", "why"}` with paths
    relative to the inbox. Hidden names (a leading dot) are an uploader's or the demo's own and are skipped."""
    feeds = list(registry.load_registry().values())
    agencies = {f.agency for f in feeds}
    broken = {(p.parent.name, p.stem): e for p, e in registry.broken_declarations().items()}
    ignored, arriving = [], []
    for entry in sorted(inbox.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            ignored.append(_named(entry.name, "a symbolic link in the inbox: not followed"))
        elif not entry.is_dir():
            ignored.append(_named(entry.name, "a file at the inbox root: deliveries go in <agency>/ folders"))
        elif entry.name not in agencies:
            why = (f"the declaration of {entry.name} is broken" if any(a == entry.name for a, _ in broken)
                   else f"no feed is declared for the agency folder {entry.name!r}")
            ignored += [_named(f"{entry.name}/{p.name}", why) for p in sorted(entry.iterdir())
                        if not p.name.startswith(".")]
        else:
            for path in sorted(entry.iterdir()):
                if path.name.startswith("."):
                    continue
                name = f"{entry.name}/{path.name}"
                if path.name.endswith(UPLOAD_SUFFIXES):
                    arriving.append(_named(name, "still being uploaded (its name ends in "
                                                 f"{path.suffix}): landed once it is complete"))
                    continue
                why = _why_ignored(path, [f for f in feeds if f.agency == entry.name], broken)
                if why:
                    ignored.append(_named(name, why))
    return ignored, arriving


def _named(path: str, why: str) -> dict:
    return {"path": path, "why": why}


def _why_ignored(path: Path, feeds: list[registry.Feed], broken: dict[tuple[str, str], str]) -> str | None:
    """Why a name in an agency folder is not one of its feeds' deliveries; None when a feed lands it."""
    name = path.name
    if not name.isascii():  # a full-width digit would name the same delivery as its ASCII twin
        return "the name is not plain ASCII (a full-width digit or letter?): rename it, or the agency resends it"
    if any(f.match_file(name) for f in feeds):
        return None  # a delivery's name: landing takes it, or rejects it with its reason (a folder, say)
    if path.is_dir():
        return "a folder inside an agency folder: deliveries are files directly in it"
    for feed in feeds:
        matched = feed.file_regex.fullmatch(name)
        if matched:
            return f"impossible date {matched.group('ymd')} in the name (expected {feed.file_pattern})"
    for (agency, dataset), error in broken.items():
        if agency == path.parent.name and name.startswith(f"{dataset}_"):
            return f"the declaration of {agency}/{dataset} is broken: {error}"
    closest = sorted((f for f in feeds if name.startswith(f.dataset)), key=lambda f: -len(f.dataset))[:1] or feeds
    expected = " or ".join(f.file_pattern for f in closest[:3]) + (" ..." if len(closest) > 3 else "")
    if re.search(r"\s", name):
        return f"the name contains a space (expected {expected})"
    return f"matches no declared file name (expected {expected})"
