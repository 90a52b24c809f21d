"""Running renders in worker processes while the frontier, checks and writes stay here."""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Sequence
from typing import Any

from .crawl import Rendered, Renderer
from .memory import long_lived

#: Below this many URLs to render, a build renders in this process.
SMALL_BUILD = 32

#: Paths sent to a worker at once: small, so links found early feed the frontier early.
BATCH_SIZE = 8

#: At most this many pages (one per endpoint) are rendered before the workers start.
WARM_UP_ENDPOINTS = 8

#: Batches a worker renders before it is replaced by a fresh one: memory it gathered
#: (converted pages, caches) goes back with it. A fresh worker costs CPU (it compiles
#: the highlighter's lexers again), so this is as large as memory allows.
BATCHES_PER_WORKER = 400
#: The same, for sites that use cmarkgfm, which never frees the documents it parses.
BATCHES_PER_WORKER_LEAKING = 50

# Set in the parent just before the pool forks; each worker inherits it (and
# the site it holds, with its content already read) instead of unpickling it.
_worker_renderer: Renderer | None = None


def _render_batch(batch: list[tuple[str, bool]]) -> list[Rendered]:
    renderer = _worker_renderer
    assert renderer is not None, "worker started without a renderer"
    return [renderer.render(path, error_page=is_error_page) for path, is_error_page in batch]


def map_in_processes(function: Callable[[Any], Any], items: Sequence[Any], jobs: int) -> list[Any]:
    """``[function(item) for item in items]``, worked out in ``jobs`` forked processes."""
    if jobs < 2 or len(items) < 2 or not can_fork():
        return [function(item) for item in items]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        return pool.map(function, items, chunksize=-(-len(items) // (jobs * 4)))


def can_fork() -> bool:
    """Whether worker processes can inherit the loaded site (fork start method)."""
    return "fork" in multiprocessing.get_all_start_methods()


def render_all(
    renderer: Renderer,
    jobs: int,
    take: Callable[[], str | None],
    on_result: Callable[[Rendered], None],
    error_page: str | None,
) -> int:
    """Render every path ``take`` gives until it gives none and nothing is in flight.

    ``on_result`` runs here, in this process, and may make ``take`` give more.
    Worker processes start only once enough paths wait to be rendered, so a
    rebuild that renders a handful of pages does not pay for a pool.
    Returns the number of processes that rendered.
    """
    waiting: list[str] = []
    if jobs > 1 and can_fork():
        while len(waiting) < SMALL_BUILD and (path := take()) is not None:
            waiting.append(path)
    if len(waiting) < SMALL_BUILD:
        for path in waiting:
            on_result(renderer.render(path, error_page=path == error_page))
        while (path := take()) is not None:
            on_result(renderer.render(path, error_page=path == error_page))
        return 1
    backlog = iter(_warm_up(renderer, waiting, on_result, error_page))

    def next_path() -> str | None:
        return next(backlog, None) or take()

    global _worker_renderer
    _worker_renderer = renderer
    # What exists now is shared with the workers (forked now and when recycled);
    # kept from the collector, its pages are not copied into every worker.
    try:
        with long_lived():
            _render_in_pool(renderer, jobs, next_path, on_result, error_page)
    finally:
        _worker_renderer = None
    return jobs


def _warm_up(
    renderer: Renderer,
    waiting: list[str],
    on_result: Callable[[Rendered], None],
    error_page: str | None,
) -> list[str]:
    """Render one waiting page of each endpoint here; return the others.

    Every worker is forked from this process (at the start, and whenever one
    is replaced), so each then starts with the templates compiled and the
    markdown converter and highlighter built, instead of building them again.
    """
    endpoints: set[str | None] = set()
    rest: list[str] = []
    for path in waiting:
        endpoint = renderer.endpoint_of(path)
        if endpoint in endpoints or len(endpoints) >= WARM_UP_ENDPOINTS:
            rest.append(path)
        else:
            endpoints.add(endpoint)
            on_result(renderer.render(path, error_page=path == error_page))
    return rest


def _batches_per_worker(renderer: Renderer) -> int:
    site = renderer.site
    # A content source may choose its own engine (Pages(..., markdown_engine="cmark")).
    engines: set[str | None] = {site.markdown_engine}
    engines.update(getattr(source, "markdown_engine", None) for source in site.content_sources)
    return BATCHES_PER_WORKER_LEAKING if "cmark" in engines else BATCHES_PER_WORKER


def _render_in_pool(
    renderer: Renderer,
    jobs: int,
    next_path: Callable[[], str | None],
    on_result: Callable[[Rendered], None],
    error_page: str | None,
) -> None:
    done: queue.SimpleQueue[list[Rendered] | BaseException] = queue.SimpleQueue()
    pool = multiprocessing.get_context("fork").Pool(
        jobs, maxtasksperchild=_batches_per_worker(renderer)
    )
    try:
        in_flight = 0
        while True:
            while in_flight < jobs * 3:
                batch: list[tuple[str, bool]] = []
                while len(batch) < BATCH_SIZE and (path := next_path()) is not None:
                    batch.append((path, path == error_page))
                if not batch:
                    break
                pool.apply_async(
                    _render_batch, (batch,), callback=done.put, error_callback=done.put
                )
                in_flight += 1
            if in_flight == 0:
                break
            outcome = done.get()
            in_flight -= 1
            if isinstance(outcome, BaseException):
                raise outcome
            for result in outcome:
                on_result(result)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
