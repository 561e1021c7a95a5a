"""The judgement of a patrol track (docs: patrols.md, "How a track is judged"), pure: numpy and shapely 2.

No Django here, and no Python loop over fixes or legs: every rule is an array operation.

Public names (used by ``patrols.judging``, the field page, the command and the bench):

- :func:`track_judge` — fixes (times, x, y in the metric CRS, accuracy, device) + the pipeline's metric
  centreline + the stretch ``from_m..to_m`` + mode + coverage width + checkpoints → :class:`Judgement`;
- :meth:`Judgement.report` — the report of patrols.md, as a dict ready for JSON;
- :meth:`Judgement.exceptions` — the exceptions of a task (missed checkpoints, uncovered ranges, gaps,
  overspeed legs, late start, early end);
- :func:`legs_build` — rules 1 to 5 alone (sorted, filtered, deduplicated fixes and their legs);
- :func:`covered_intervals` — rule 6's covered chainage, exact.
"""

from patrols.engine.coverage import covered_intervals, uncovered_ranges
from patrols.engine.judge import Checkpoints, Judgement, track_judge
from patrols.engine.legs import (
    ACCURACY_LIMIT_M,
    GAP_LENGTH_M,
    GAP_SECONDS,
    SPEED_LIMIT_KMH,
    Legs,
    legs_build,
)

__all__ = [
    "ACCURACY_LIMIT_M",
    "GAP_LENGTH_M",
    "GAP_SECONDS",
    "SPEED_LIMIT_KMH",
    "Checkpoints",
    "Judgement",
    "Legs",
    "covered_intervals",
    "legs_build",
    "track_judge",
    "uncovered_ranges",
]
