"""Print runs: one print-ready PDF per building, for statements, receipts and arrears notices.

One engine for the three kinds (their plans live in `print_plans.py`): the data of the whole run
is read in the calling process (a few set-based queries) into one `BuildingJob` per building, in
room order; each building is rendered in a worker process (WeasyPrint is CPU-bound; each worker
builds its own app and keeps its own font configuration) from plain data, never ORM objects.

Where files go is the job's `Sink`: a local folder (the CLI's `--out`) or the app's storage under
a key prefix (`print-runs/<id>/`, the web's runs: several web servers share the store).

Resumable: a building's PDF is written atomically (temp file + rename, or one storage put), then
its manifest (document numbers and a hash of everything the PDF shows, the templates included)
the same way. A rerun skips a building whose PDF and matching manifest exist; a document that
changed (a payment, a new owner) changes the hash and the building is rendered again. A run killed
half-way leaves only complete PDFs (at worst a stale temp file, removed by the next run).

Workers are recycled (`max_tasks_per_child`): WeasyPrint and Pango keep caches that grow with
every document, so a 10,000-statement run would otherwise end with workers several times their
starting size.
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

from pms.core.db import utcnow
from pms.core.storage import write_atomically
from pms.core.i18n import translate as _

# Config keys a worker's app needs to render like the parent's (plain values only).
WORKER_CONFIG_KEYS = ("DATABASE_URL", "TIMEZONE", "BABEL_DEFAULT_LOCALE", "BABEL_DEFAULT_TIMEZONE",
                      "PMS_ENV", "INSTANCE_DIR", "SECRET_KEY", "TESTING", "STORAGE_URL", "AUDIT_KEY")
# Buildings a worker renders before it is replaced by a fresh process (memory stays flat; a
# fresh worker costs a few seconds of app and font set-up, so not after every building).
TASKS_PER_WORKER = 16
# Garbage-collector thresholds while a building is rendered (see few_collections).
BATCH_GC_THRESHOLDS = (50_000, 50, 100)


@dataclass(frozen=True)
class Sink:
    """Where a run's files go: a local folder, or the app's storage under a key prefix."""

    directory: Optional[str] = None
    prefix: Optional[str] = None

    def location(self, name: str) -> str:
        """The file's path or storage key."""
        return os.path.join(self.directory, name) if self.directory else f"{self.prefix}/{name}"

    def write(self, name: str, data: bytes, content_type: str) -> None:
        """Write the whole file at once (readers never see half of it)."""
        if self.directory:
            write_atomically(self.location(name), data)
        else:
            from pms.core.storage import storage

            storage().put(self.location(name), data, content_type=content_type)

    def read(self, name: str) -> Optional[bytes]:
        """The file's bytes, None when there is none."""
        if self.directory:
            try:
                with open(self.location(name), "rb") as fh:
                    return fh.read()
            except OSError:
                return None
        from pms.core.storage import storage

        try:
            return storage().get(self.location(name))
        except FileNotFoundError:
            return None

    def exists(self, name: str) -> bool:
        """Whether the file is there."""
        if self.directory:
            return os.path.exists(self.location(name))
        from pms.core.storage import storage

        return storage().exists(self.location(name))


@dataclass(frozen=True)
class BuildingJob:
    """Everything needed to print one building, as plain (picklable) data."""

    kind: str
    estate: str
    label: str  # the period, the date range or the day the documents belong to
    building: str
    stem: str
    numbers: tuple[str, ...]  # the documents' numbers, in print order
    digest: str
    locale: str
    template: str
    sink: Sink
    total_fen: int = 0
    # An issued document's identifier (notices: the building's notices are issued as one document):
    # written as PDF/A with it, and kept in the archive by the parent (print_plans.record_building).
    identifier: str = ""
    context: dict = field(default_factory=dict, repr=False, hash=False, compare=False)

    @property
    def documents(self) -> int:
        return len(self.numbers)

    statements = documents  # the statements' runs name them so

    @property
    def pdf_name(self) -> str:
        return f"{self.stem}.pdf"

    @property
    def manifest_name(self) -> str:
        return f"{self.stem}.manifest.json"

    @property
    def pdf_path(self) -> str:
        return self.sink.location(self.pdf_name)

    @property
    def manifest_path(self) -> str:
        return self.sink.location(self.manifest_name)


@dataclass
class PrintResult:
    """What a print run did."""

    buildings: int = 0
    documents: int = 0
    written: int = 0
    skipped: int = 0
    pages: int = 0
    seconds: float = 0.0  # elapsed wall time of the print run, not money
    files: list[str] = field(default_factory=list)
    worker_peak_kib: int = 0  # the largest worker's peak resident set (benchmarks)

    @property
    def statements(self) -> int:
        return self.documents

    def summary(self) -> str:
        """The statements CLI's summary line, in the terminal's language."""
        return _("%(buildings)d buildings, %(statements)d statements, written %(written)d, "
                 "skipped %(skipped)d, in %(seconds)s s", buildings=self.buildings,
                 statements=self.documents, written=self.written, skipped=self.skipped,
                 seconds=format(self.seconds, ".1f"))

    def documents_summary(self) -> str:
        """The receipts' and notices' summary line."""
        return _("%(buildings)d buildings, %(documents)d documents, written %(written)d, "
                 "skipped %(skipped)d, in %(seconds)s s", buildings=self.buildings,
                 documents=self.documents, written=self.written, skipped=self.skipped,
                 seconds=format(self.seconds, ".1f"))


def file_stem(*parts: str) -> str:
    """`<ESTATE>-<PERIOD>-<BUILDING>` (or any parts), safe as a file name whatever they hold."""
    return re.sub(r"[^\w.\-]", "_", "-".join(parts))


def template_fingerprint() -> str:
    """A hash of the PDF templates and stylesheet: changing them reprints every building."""
    from pms.core.pdf import TEMPLATE_DIR

    digest = hashlib.sha256()
    for path in sorted(p for p in TEMPLATE_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(TEMPLATE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def make_job(*, kind: str, estate: str, label: str, building: str, stem: str, numbers, template: str,
             context: dict, sink: Sink, locale: str, fingerprint: str, total_fen: int = 0,
             identifier: str = "") -> BuildingJob:
    """A building's job, its digest taken over everything its PDF shows."""
    canonical = json.dumps({"context": context, "templates": fingerprint, "locale": locale, "kind": kind},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return BuildingJob(kind=kind, estate=estate, label=label, building=building, stem=stem,
                       numbers=tuple(numbers), digest=hashlib.sha256(canonical.encode()).hexdigest(),
                       locale=locale, template=template, sink=sink, total_fen=total_fen, identifier=identifier,
                       context=context)


def read_manifest(sink: Sink, name: str) -> Optional[dict]:
    """A building's manifest, None when missing or unreadable."""
    raw = sink.read(name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def is_current(job: BuildingJob) -> bool:
    """Whether the building's finished PDF exists and shows exactly the job's data."""
    manifest = read_manifest(job.sink, job.manifest_name)
    if manifest is None or not job.sink.exists(job.pdf_name):
        return False
    return manifest.get("hash") == job.digest and tuple(manifest.get("numbers", manifest.get("bills", ()))) == job.numbers


def plan_print(session, estate_code: str, period: str, out_dir: Path, *,
               building: Optional[str] = None, locale: str = "zh_CN") -> list[BuildingJob]:
    """The statements of a period, one job per building, into a local folder (the CLI)."""
    from pms.statements import print_plans

    return print_plans.plan_statements(session, estate_code, period, Sink(directory=str(out_dir)),
                                       building=building, locale=locale)


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Rarer cyclic garbage collections while a building is laid out: WeasyPrint allocates
    millions of small objects whose generation-0 and -1 collections re-scan the whole growing box
    tree; with the default thresholds they took ~40 % of a building's CPU time (measured: 80 →
    45 ms a statement). The thresholds come back afterwards, so the garbage is still collected."""
    before = gc.get_threshold()
    gc.set_threshold(*BATCH_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def render_job(job: BuildingJob) -> int:
    """Render and write one building's PDF, then its manifest; the number of pages."""
    from pms.core.pdf import RENDER_LOCK, render_document, write_archival

    with RENDER_LOCK, few_collections():
        document = render_document(job.template, job.context, locale=job.locale)
        pages = len(document.pages)
        data = write_archival(document, job.identifier) if job.identifier else document.write_pdf()
        del document
    job.sink.write(job.pdf_name, data, "application/pdf")
    manifest = {"kind": job.kind, "estate": job.estate, "label": job.label, "building": job.building,
                "documents": job.documents, "pages": pages, "numbers": list(job.numbers),
                "total_fen": job.total_fen, "hash": job.digest, "written_at": utcnow().isoformat()}
    if job.kind == "statements":  # what `pms statements print` wrote before the other kinds
        manifest.update(period=job.label, statements=job.documents, bills=list(job.numbers))
    job.sink.write(job.manifest_name, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"),
                   "application/json")
    return pages


def remove_stale_temp_files(jobs: list[BuildingJob]) -> int:
    """Temp files an interrupted run of these buildings left behind in a local folder."""
    removed = 0
    for job in jobs:
        if job.sink.directory:
            for temp in Path(job.sink.directory).glob(f".{job.stem}.*.tmp"):
                temp.unlink(missing_ok=True)
                removed += 1
    return removed


# --- worker processes ---------------------------------------------------------------------

_worker_app = None


def _init_worker(config: dict, parent_pid: int) -> None:
    """Each worker builds its own app (engine, Jinja env, Babel) and keeps an app context."""
    global _worker_app
    from pms import create_app

    _watch_parent(parent_pid)
    _worker_app = create_app(config, web=False)  # it renders PDFs only: no pages, no API
    _worker_app.app_context().push()
    # The app, its templates and modules live as long as the worker: out of every collection.
    gc.collect()
    gc.freeze()


def _watch_parent(parent_pid: int) -> None:
    """Exit when the parent dies: a pool worker whose parent was killed (kill -9, OOM) would
    otherwise wait on its task queue forever. A half-written temp file is removed by the next run."""

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _render_in_worker(job: BuildingJob) -> tuple[int, int]:
    """Pages rendered and this worker's peak RSS in KiB (the benchmark's memory figure)."""
    import resource

    pages = render_job(job)
    return pages, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def worker_config(app) -> dict:
    """The parent app's config a worker needs."""
    return {key: app.config[key] for key in WORKER_CONFIG_KEYS if key in app.config}


def run_print(jobs: list[BuildingJob], *, app_config: dict, workers: int = 2, resume: bool = True,
              on_done: Optional[Callable[[BuildingJob, bool], None]] = None,
              tasks_per_worker: int = TASKS_PER_WORKER) -> PrintResult:
    """Render the jobs whose PDF is missing or out of date (every job when `resume` is false);
    `on_done(job, written)` in this process after each building's files are in place.

    Needs an app context (rendering in-process when one worker suffices).
    """
    started = time.perf_counter()
    result = PrintResult(buildings=len(jobs), documents=sum(j.documents for j in jobs))
    remove_stale_temp_files(jobs)
    todo = []
    for job in jobs:
        if resume and is_current(job):
            result.skipped += 1
            if on_done:
                on_done(job, False)
        else:
            todo.append(job)
    # Biggest buildings first, so the workers finish at about the same time.
    todo.sort(key=lambda j: -j.documents)

    def done(job: BuildingJob, pages: int) -> None:
        result.written += 1
        result.pages += pages
        result.files.append(job.pdf_path)
        if on_done:
            on_done(job, True)

    if workers <= 1 or len(todo) <= 1:
        for job in todo:
            done(job, render_job(job))
    else:
        # spawn, not fork: a forked child would inherit the parent's open database connections
        # and Pango/fontconfig state. Recycled after `tasks_per_worker` buildings.
        pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                   mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(app_config, os.getpid()),
                                   max_tasks_per_child=tasks_per_worker)
        try:
            # Never more buildings in flight than workers: with a backlog in its call queue,
            # CPython's pool may not replace a worker that exited at max_tasks_per_child and
            # hangs (python/cpython#115634, 3.11 to 3.14). It also keeps the parent's pickled
            # backlog small.
            queue, pending = iter(todo), {}
            for job in itertools.islice(queue, workers):
                pending[pool.submit(_render_in_worker, job)] = job
            while pending:
                finished, _not_done = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    pages, peak = future.result()
                    result.worker_peak_kib = max(result.worker_peak_kib, peak)
                    done(pending.pop(future), pages)
                    following = next(queue, None)
                    if following is not None:
                        pending[pool.submit(_render_in_worker, following)] = following
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    result.files.sort()
    result.seconds = time.perf_counter() - started
    return result
