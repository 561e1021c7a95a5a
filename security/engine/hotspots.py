"""Theft hotspots (patrols.md): incidents within 500 m along a pipeline and 90
days of each other form a cluster; a cluster adds night patrols to the
sections it touches until no new incident for 90 days.

Exactly as applied here:

- Two incidents are **linked** when they lie on the same pipeline, their
  chainages differ by at most ``LINK_DISTANCE_M`` (500 m, measured along the
  pipeline) and their days found differ by at most ``LINK_DAYS`` (90 days).
- A **cluster** is a connected group of linked incidents (transitively: A–B
  and B–C put A, B and C in one cluster even if A and C are far apart), of at
  least ``MIN_INCIDENTS`` (2) incidents. An incident linked to no other is
  no hotspot.
- A cluster is **active** on day ``on`` while a new incident could still join
  it: ``on - last_found <= COOL_DAYS`` (90). From the 91st day without a new
  incident it has cooled.
- Only incidents found on or before ``on`` are considered.
- Its **stretch** is ``[min chainage - SPAN_MARGIN_M, max chainage + SPAN_MARGIN_M]``
  (±500 m), clipped at 0 (and at the pipeline's length by the caller): the
  sections this stretch touches get the night patrols.

Inputs are numpy arrays, days as integers (e.g. ``date.toordinal()``).
"""

from dataclasses import dataclass

import numpy as np

LINK_DISTANCE_M = 500.0
LINK_DAYS = 90
COOL_DAYS = 90
MIN_INCIDENTS = 2
SPAN_MARGIN_M = 500.0


@dataclass(frozen=True)
class Cluster:
    pipeline_id: int
    members: tuple[int, ...]  # incident ids, ordered by (day, id)
    from_m: float  # min chainage
    to_m: float  # max chainage
    first_day: int
    last_day: int

    def active_on(self, day: int) -> bool:
        return self.last_day <= day and day - self.last_day <= COOL_DAYS

    @property
    def stretch(self) -> tuple[float, float]:
        return max(0.0, self.from_m - SPAN_MARGIN_M), self.to_m + SPAN_MARGIN_M


def _links(chainage: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) index pairs of linked incidents (one pipeline): sorted by day, only the pairs at most LINK_DAYS
    apart are compared, then kept when at most LINK_DISTANCE_M apart along the pipeline."""
    order = np.argsort(day, kind="stable")
    days, chains = day[order], chainage[order]
    n = len(days)
    stop = np.searchsorted(days, days + LINK_DAYS, side="right")
    counts = stop - np.arange(1, n + 1)
    first = np.repeat(np.arange(n), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + (np.arange(counts.sum()) - starts)
    near = np.abs(chains[first] - chains[second]) <= LINK_DISTANCE_M
    return order[first[near]], order[second[near]]


def _components(chainage: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Label of each incident's connected component (incidents of one pipeline): the smallest index reached
    through links, by label propagation with pointer jumping until nothing changes."""
    labels = np.arange(len(chainage))
    a, b = _links(chainage, day)
    while True:
        new = labels.copy()
        np.minimum.at(new, a, labels[b])
        np.minimum.at(new, b, labels[a])
        new = new[new]
        if np.array_equal(new, labels):
            return labels
        labels = new


def clusters(ids, pipeline_ids, chainages, days, *, on: int | None = None) -> list[Cluster]:
    """Every cluster (active or cooled) among the incidents found on or before ``on`` (all when None)."""
    ids = np.asarray(ids, dtype=np.int64)
    pipes = np.asarray(pipeline_ids, dtype=np.int64)
    chain = np.asarray(chainages, dtype=float)
    day = np.asarray(days, dtype=np.int64)
    if on is not None:
        keep = day <= on
        ids, pipes, chain, day = ids[keep], pipes[keep], chain[keep], day[keep]
    if not len(ids):
        return []
    # One pass over every pipeline: each pipeline's days are moved apart by more than LINK_DAYS, so no pair of
    # two pipelines is ever compared.
    _, pipe_index = np.unique(pipes, return_inverse=True)
    span = int(day.max() - day.min()) + LINK_DAYS + 1
    labels = _components(chain, (day - day.min()) + pipe_index.astype(np.int64) * span)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    out = []
    for members in np.split(order, bounds):
        if len(members) < MIN_INCIDENTS:
            continue
        members = members[np.lexsort((ids[members], day[members]))]
        out.append(
            Cluster(
                pipeline_id=int(pipes[members[0]]),
                members=tuple(int(i) for i in ids[members]),
                from_m=float(chain[members].min()),
                to_m=float(chain[members].max()),
                first_day=int(day[members].min()),
                last_day=int(day[members].max()),
            )
        )
    out.sort(key=lambda c: (c.pipeline_id, c.from_m, c.first_day))
    return out


def active_clusters(ids, pipeline_ids, chainages, days, *, on: int) -> list[Cluster]:
    return [c for c in clusters(ids, pipeline_ids, chainages, days, on=on) if c.active_on(on)]


def formed_by(incident_id: int, ids, pipeline_ids, chainages, days) -> Cluster | None:
    """The cluster that ``incident_id`` forms: its cluster has at least MIN_INCIDENTS incidents and none of
    the others was in a cluster without it (it turned lone incidents into a hotspot). None otherwise."""
    ids = np.asarray(ids, dtype=np.int64)
    with_it = [c for c in clusters(ids, pipeline_ids, chainages, days) if incident_id in c.members]
    if not with_it:
        return None
    keep = ids != incident_id
    before = clusters(
        ids[keep],
        np.asarray(pipeline_ids)[keep],
        np.asarray(chainages, dtype=float)[keep],
        np.asarray(days)[keep],
    )
    clustered = {m for c in before for m in c.members}
    cluster = with_it[0]
    if any(m in clustered for m in cluster.members if m != incident_id):
        return None
    return cluster
