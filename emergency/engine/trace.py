"""The isolation trace (emergency.md, "Isolation trace (exact)").

From the incident's place on its pipeline, the flow is followed both ways
along pipelines and through joints; a closable valve (operable, not a check
valve) stops it and is a valve to close; inoperable and check valves are
passed; an unjoined pipeline end is an open end. With the compartments of
emergency/engine/network.py this is a lookup; a failed valve merges the
compartments on both its sides (the next ring of valves).
"""

import heapq
from dataclasses import dataclass, field

import numpy as np

from emergency.engine.network import ValveNetwork

FIRST_KINDS = ("remote", "automatic")


@dataclass
class ValveRef:
    code: str
    kind: str
    pipeline_code: str
    chainage_m: float
    distance_m: float = field(default=0.0, compare=False)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "kind": self.kind,
            "pipeline_code": self.pipeline_code,
            "chainage_m": round(self.chainage_m, 1),
        }


@dataclass
class Isolation:
    pipe: int
    pipeline_code: str
    chainage_m: float
    valves_to_close: list[ValveRef]
    isolated: list[tuple[str, float, float]]  # (pipeline code, from m, to m)
    isolated_length_m: float
    volume_m3: float
    passed: list[ValveRef]
    open_ends: list[tuple[str, float]]
    failed: list[str]

    def as_dict(self) -> dict:
        data = {
            "pipeline_code": self.pipeline_code,
            "chainage_m": round(self.chainage_m, 1),
            "valves_to_close": [v.as_dict() for v in self.valves_to_close],
            "isolated": [{"pipeline_code": c, "from_m": round(a, 1), "to_m": round(b, 1)} for c, a, b in self.isolated],
            "isolated_length_m": round(self.isolated_length_m, 1),
            "volume_m3": round(self.volume_m3, 1),
            "passed": [v.as_dict() for v in self.passed],
            "open_ends": [{"pipeline_code": c, "chainage_m": round(m, 1)} for c, m in self.open_ends],
        }
        if self.failed:
            data["failed"] = list(self.failed)
        return data


def _reachable_sections(network: ValveNetwork, start: int, failed: frozenset[int]) -> np.ndarray:
    """Sections reached from section ``start``: its compartment, and those behind failed valves."""
    seen = {int(network.compartment[start])}
    queue = [int(network.compartment[start])]
    while queue:
        comp = queue.pop()
        for node in network.compartment_barriers[comp]:
            if network.barrier(node, failed):
                continue
            for s in network.node_sections[node]:
                other = int(network.compartment[s])
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
    return np.sort(np.concatenate([network.compartment_sections[c] for c in seen]))


def _distances(network: ValveNetwork, sections: np.ndarray, start: int, chainage: float, failed) -> dict[int, float]:
    """Distance along the network from the incident to each node of the reached sections (Dijkstra)."""
    inside = set(sections.tolist())
    a, b = network.section_nodes[start]
    dist = {int(a): chainage - network.section_from[start], int(b): network.section_to[start] - chainage}
    heap = [(d, n) for n, d in dist.items()]
    heapq.heapify(heap)
    done = set()
    while heap:
        d, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        if network.barrier(node, failed):
            continue  # the flow stops here: nothing beyond is reached through it
        for s in network.node_sections.get(node, ()):
            if s not in inside:
                continue
            u, v = network.section_nodes[s]
            other = int(v) if int(u) == node else int(u)
            nd = d + float(network.section_to[s] - network.section_from[s])
            if nd < dist.get(other, np.inf):
                dist[other] = nd
                heapq.heappush(heap, (nd, other))
    return dist


def isolate(network: ValveNetwork, pipe: int, chainage_m: float, failed_codes=()) -> Isolation:
    """The isolation answer for an incident at ``chainage_m`` on pipeline ``pipe``.

    ``failed_codes``: valves that could not be closed; the trace walks past
    them to the next ring. Unknown codes are ignored by the engine (callers
    check them).
    """
    codes = {v.code: i for i, v in enumerate(network.valves)}
    failed = frozenset(codes[c] for c in failed_codes if c in codes)
    start = network.section_at(pipe, chainage_m)
    sections = _reachable_sections(network, start, failed)
    dist = _distances(network, sections, start, chainage_m, failed)

    nodes = set(network.section_nodes[sections].ravel().tolist())
    to_close, passed = [], []
    for node in sorted(nodes):
        for v in network.node_valves.get(node, ()):
            valve = network.valves[v]
            ref = ValveRef(
                valve.code,
                valve.kind,
                network.pipes[valve.pipe].code,
                valve.chainage_m,
                dist.get(node, float("inf")),
            )
            (to_close if valve.closes and v not in failed else passed).append(ref)
    to_close.sort(key=lambda r: (r.kind not in FIRST_KINDS, r.distance_m, r.code))
    passed.sort(key=lambda r: (r.distance_m, r.code))

    isolated = []
    pipes = network.section_pipe[sections]
    for p in _pipe_order(network, pipes, pipe):
        mine = sections[pipes == p]
        # Neighbouring sections of one pipeline make one stretch.
        breaks = np.flatnonzero(np.diff(mine) != 1) + 1
        for run in np.split(mine, breaks):
            isolated.append(
                (network.pipes[p].code, float(network.section_from[run[0]]), float(network.section_to[run[-1]]))
            )
    lengths = network.section_to[sections] - network.section_from[sections]
    areas = np.array([network.pipes[p].inner_area_m2 for p in pipes.tolist()])

    open_ends = []
    for node in sorted(nodes & network.open_end_nodes.keys()):
        if network.barrier(node, failed):
            continue
        p, chainage = network.open_end_nodes[node]
        open_ends.append((network.pipes[p].code, chainage))
    open_ends.sort(key=lambda e: (e[0] != network.pipes[pipe].code, e[0], e[1]))

    return Isolation(
        pipe=pipe,
        pipeline_code=network.pipes[pipe].code,
        chainage_m=float(chainage_m),
        valves_to_close=to_close,
        isolated=isolated,
        isolated_length_m=float(lengths.sum()),
        volume_m3=float((lengths * areas).sum()),
        passed=passed,
        open_ends=open_ends,
        failed=sorted(network.valves[v].code for v in failed),
    )


def _pipe_order(network: ValveNetwork, pipes: np.ndarray, first: int) -> list[int]:
    """The incident's pipeline first, then the others by code."""
    others = sorted(set(pipes.tolist()) - {first}, key=lambda p: network.pipes[p].code)
    return [first, *others]
