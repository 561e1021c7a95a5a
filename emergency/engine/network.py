"""The pipeline network cut at its valves and joints, built once.

Pure: shapely LineStrings in a projected metric CRS and plain values in,
arrays out; no Django. ``network_build`` does all the geometry; the trace
(emergency/engine/trace.py) then only walks integer arrays.

Vocabulary:
- a **breakpoint** is a chainage on one pipeline where something happens:
  its two ends, a valve, a joint with another pipeline;
- a **node** is a breakpoint, or several breakpoints of different pipelines
  joined together (a pipeline's end within ``JOINT_TOLERANCE_M`` of another
  pipeline, at its end or along it: a tee). Lines that merely cross share no
  node;
- a **section** is the stretch of one pipeline between two neighbouring
  breakpoints. Sections touch the nodes at their ends;
- a node holding an operable valve is a **barrier** (closing the valve stops
  the flow there); every other node lets the flow through, so the sections
  around it belong together. Sections that belong together without crossing
  a barrier form a **compartment**, computed once here.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely

JOINT_TOLERANCE_M = 1.0
SAME_POINT_M = 1e-6  # two breakpoints closer than this along a pipeline are one
# A valve at a pipeline's end sits on that pipeline, not in the joint: its breakpoint is taken this far inside, so
# closing a station valve shuts its own pipeline off from the others meeting there, not all of them.
VALVE_INSIDE_END_M = 1e-3

VALVE_KINDS = ("manual", "remote", "automatic", "check")


@dataclass(frozen=True)
class Pipe:
    """One pipeline: a LineString in metres and what its volume and reach need."""

    code: str
    line: shapely.LineString
    medium: str  # "oil" or "gas" (anything else is treated as a liquid)
    outer_diameter_mm: float
    wall_thickness_mm: float
    maop_mpa: float

    @property
    def inner_area_m2(self) -> float:
        inner_m = max(self.outer_diameter_mm - 2 * self.wall_thickness_mm, 0.0) / 1000.0
        return np.pi / 4 * inner_m**2


@dataclass(frozen=True)
class Valve:
    """One valve, already placed on its pipeline (index into the pipes) at a chainage."""

    code: str
    pipe: int
    chainage_m: float
    kind: str  # manual | remote | automatic | check
    operable: bool = True

    @property
    def closes(self) -> bool:
        """Whether closing it stops the flow: operable, and not a check valve."""
        return self.operable and self.kind != "check"


class _UnionFind:
    def __init__(self, n: int):
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class ValveNetwork:
    pipes: list[Pipe]
    valves: list[Valve]
    lengths: np.ndarray  # (pipes,)
    breakpoints: list[np.ndarray]  # per pipe: sorted chainages, first 0, last the length
    node_offset: np.ndarray  # (pipes + 1,) first breakpoint index of each pipe
    section_offset: np.ndarray  # (pipes + 1,) first section index of each pipe
    node_of: np.ndarray  # (breakpoints,) the node each breakpoint belongs to
    section_pipe: np.ndarray  # (sections,)
    section_from: np.ndarray  # (sections,) chainage
    section_to: np.ndarray  # (sections,) chainage
    section_nodes: np.ndarray  # (sections, 2) the nodes at the section's start and end
    node_valves: dict[int, list[int]]  # node -> valves there
    node_sections: dict[int, list[int]]  # node -> sections touching it
    open_end_nodes: dict[int, tuple[int, float]]  # pipeline ends joined to nothing: node -> (pipe, chainage)
    compartment: np.ndarray  # (sections,) compartment of each section (no valve failed)
    compartment_sections: list[np.ndarray]
    compartment_barriers: list[list[int]]  # barrier nodes around each compartment
    tree: shapely.STRtree = field(repr=False)

    def barrier(self, node: int, failed: frozenset[int] = frozenset()) -> bool:
        """Whether the node stops the flow: it holds a closable valve that has not failed."""
        return any(self.valves[v].closes and v not in failed for v in self.node_valves.get(node, ()))

    def locate(self, point: shapely.Point, max_distance_m: float) -> tuple[int, float, float] | None:
        """The nearest pipeline within ``max_distance_m``: (pipe, chainage, distance), or None."""
        found, distances = self.tree.query_nearest(point, max_distance=max_distance_m, return_distance=True)
        if len(found) == 0:
            return None
        k = int(np.argmin(found))  # equally near pipelines: the first one given
        best, distance = int(found[k]), float(distances[k])
        line = self.pipes[best].line
        return best, float(np.clip(line.project(point), 0.0, self.lengths[best])), distance

    def section_at(self, pipe: int, chainage: float) -> int:
        """The section of ``pipe`` holding ``chainage`` (at a breakpoint: the one after it, or the last)."""
        points = self.breakpoints[pipe]
        i = int(np.searchsorted(points, chainage, side="right")) - 1
        i = min(max(i, 0), len(points) - 2)
        return int(self.section_offset[pipe]) + i


def _breakpoints(length: float, extra: list[float]) -> np.ndarray:
    points = np.sort(np.clip(np.asarray([0.0, length, *extra], dtype=float), 0.0, length))
    keep = np.ones(len(points), bool)
    keep[1:] = np.diff(points) > SAME_POINT_M
    points = points[keep]
    points[-1] = length  # a valve a hair before the end is the end
    if len(points) == 1:  # a pipeline of zero length still has one section
        points = np.array([0.0, length])
    return points


def _valve_breakpoint(chainage: float, length: float) -> float:
    if length <= 4 * VALVE_INSIDE_END_M:
        return chainage
    return min(max(chainage, VALVE_INSIDE_END_M), length - VALVE_INSIDE_END_M)


def _joints(pipes: list[Pipe], tree: shapely.STRtree, lengths: np.ndarray) -> list[tuple[int, float, int, float]]:
    """Every (pipe, chainage, other pipe, chainage) where a pipeline's end touches another pipeline."""
    ends = []
    for i, pipe in enumerate(pipes):
        coords = shapely.get_coordinates(pipe.line)
        ends.append((i, 0.0, shapely.Point(coords[0])))
        ends.append((i, float(lengths[i]), shapely.Point(coords[-1])))
    points = np.array([p for _, _, p in ends], dtype=object)
    which, others = tree.query(points, predicate="dwithin", distance=JOINT_TOLERANCE_M)
    joints = []
    for k, j in zip(which.tolist(), others.tolist(), strict=True):
        i, chainage, point = ends[k]
        if i == j:
            continue
        other = float(np.clip(pipes[j].line.project(point), 0.0, lengths[j]))
        joints.append((i, chainage, j, other))
    return joints


def network_build(pipes: list[Pipe], valves: list[Valve]) -> ValveNetwork:
    """Cut the pipelines at their ends, valves and joints; group the sections into compartments."""
    lengths = np.array([p.line.length for p in pipes], dtype=float)
    tree = shapely.STRtree([p.line for p in pipes])
    joints = _joints(pipes, tree, lengths)

    extra: list[list[float]] = [[] for _ in pipes]
    valve_at = [_valve_breakpoint(v.chainage_m, float(lengths[v.pipe])) for v in valves]
    for valve, chainage in zip(valves, valve_at, strict=True):
        extra[valve.pipe].append(chainage)
    for i, ci, j, cj in joints:
        extra[i].append(ci)
        extra[j].append(cj)
    breakpoints = [_breakpoints(float(lengths[i]), extra[i]) for i in range(len(pipes))]
    counts = np.array([len(b) for b in breakpoints], dtype=np.int64)
    node_offset = np.concatenate([[0], np.cumsum(counts)])
    section_offset = np.concatenate([[0], np.cumsum(counts - 1)])

    def breakpoint_index(pipe: int, chainage: float) -> int:
        points = breakpoints[pipe]
        i = int(np.argmin(np.abs(points - chainage)))
        return int(node_offset[pipe]) + i

    nodes = _UnionFind(int(node_offset[-1]))
    for i, ci, j, cj in joints:
        nodes.union(breakpoint_index(i, ci), breakpoint_index(j, cj))
    node_of = np.array([nodes.find(k) for k in range(int(node_offset[-1]))], dtype=np.int64)

    section_pipe = np.repeat(np.arange(len(pipes)), counts - 1)
    section_from = np.concatenate([b[:-1] for b in breakpoints]) if pipes else np.empty(0)
    section_to = np.concatenate([b[1:] for b in breakpoints]) if pipes else np.empty(0)
    starts = np.concatenate([np.arange(node_offset[p], node_offset[p + 1] - 1) for p in range(len(pipes))]).astype(
        np.int64
    )
    section_nodes = np.stack([node_of[starts], node_of[starts + 1]], axis=1) if pipes else np.empty((0, 2), np.int64)

    node_valves: dict[int, list[int]] = {}
    for v, valve in enumerate(valves):
        node_valves.setdefault(int(node_of[breakpoint_index(valve.pipe, valve_at[v])]), []).append(v)
    node_sections: dict[int, list[int]] = {}
    for s, (a, b) in enumerate(section_nodes.tolist()):
        node_sections.setdefault(a, []).append(s)
        if b != a:
            node_sections.setdefault(b, []).append(s)

    members = np.bincount(node_of, minlength=len(node_of))
    open_end_nodes = {}
    for p in range(len(pipes)):
        for k in (int(node_offset[p]), int(node_offset[p + 1]) - 1):
            if members[node_of[k]] == 1:
                open_end_nodes[int(node_of[k])] = (p, float(breakpoints[p][k - node_offset[p]]))

    network = ValveNetwork(
        pipes=pipes,
        valves=valves,
        lengths=lengths,
        breakpoints=breakpoints,
        node_offset=node_offset,
        section_offset=section_offset,
        node_of=node_of,
        section_pipe=section_pipe,
        section_from=section_from,
        section_to=section_to,
        section_nodes=section_nodes,
        node_valves=node_valves,
        node_sections=node_sections,
        open_end_nodes=open_end_nodes,
        compartment=np.empty(0, np.int64),
        compartment_sections=[],
        compartment_barriers=[],
        tree=tree,
    )
    _compartments(network)
    return network


def _compartments(network: ValveNetwork) -> None:
    sections = _UnionFind(len(network.section_pipe))
    barriers = set()
    for node, touching in network.node_sections.items():
        if network.barrier(node):
            barriers.add(node)
            continue
        for s in touching[1:]:
            sections.union(touching[0], s)
    roots = np.array([sections.find(s) for s in range(len(network.section_pipe))], dtype=np.int64)
    _, compartment = np.unique(roots, return_inverse=True)
    network.compartment = compartment.astype(np.int64)
    order = np.argsort(compartment, kind="stable")
    bounds = np.searchsorted(compartment[order], np.arange(compartment.max() + 2 if len(compartment) else 1))
    network.compartment_sections = [order[bounds[c] : bounds[c + 1]] for c in range(len(bounds) - 1)]
    around: list[set[int]] = [set() for _ in network.compartment_sections]
    for node in barriers:
        for s in network.node_sections[node]:
            around[compartment[s]].add(node)
    network.compartment_barriers = [sorted(a) for a in around]
