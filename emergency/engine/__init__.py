"""Emergency response, pure: the pipeline network cut at its valves and
joints, the isolation trace and the reach of an incident (emergency.md).
Shapely geometries in a projected metric CRS in, plain answers out; no
Django here, so the network can be built once per process and timed alone.
"""

import shapely

from emergency.engine.network import JOINT_TOLERANCE_M, Pipe, Valve, ValveNetwork, network_build
from emergency.engine.reach import LIQUID_RADIUS_M, ReachIndex, ReachLayer, reach_radius
from emergency.engine.trace import Isolation, isolate

PLACE_WITHIN_M = 50.0

__all__ = [
    "JOINT_TOLERANCE_M",
    "LIQUID_RADIUS_M",
    "PLACE_WITHIN_M",
    "Isolation",
    "Pipe",
    "ReachIndex",
    "ReachLayer",
    "Valve",
    "ValveNetwork",
    "incident_answer",
    "isolate",
    "network_build",
    "reach_radius",
]


def incident_answer(
    network: ValveNetwork,
    point: shapely.Point,
    *,
    reach: ReachIndex | None = None,
    failed_codes=(),
    liquid_radius_m: float = LIQUID_RADIUS_M,
    place_within_m: float = PLACE_WITHIN_M,
) -> dict:
    """emergency.md's answer for an incident at ``point`` (metres): the trace and the reach.

    No pipeline within ``place_within_m``: ``{"pipeline_code": None, ...}``
    with nothing to close and the distance searched.
    """
    placed = network.locate(point, place_within_m)
    if placed is None:
        return {
            "pipeline_code": None,
            "searched_within_m": place_within_m,
            "valves_to_close": [],
            "isolated": [],
            "isolated_length_m": 0.0,
            "volume_m3": 0.0,
            "passed": [],
            "open_ends": [],
        }
    pipe_index, chainage, distance = placed
    answer = isolate(network, pipe_index, chainage, failed_codes).as_dict()
    answer["distance_to_pipeline_m"] = round(distance, 1)
    if reach is not None:
        pipe = network.pipes[pipe_index]
        radius = reach_radius(
            medium=pipe.medium,
            outer_diameter_mm=pipe.outer_diameter_mm,
            maop_mpa=pipe.maop_mpa,
            liquid_radius_m=liquid_radius_m,
        )
        answer["reach"] = reach.query(pipe.line.interpolate(chainage), radius)
    return answer
