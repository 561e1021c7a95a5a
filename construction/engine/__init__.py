"""The check before digging (施工前管道查询), pure: no Django.

``index_build`` indexes the pipelines' centrelines, facilities and river
crossings (metres); ``check_run`` gives a work's verdict and the pipelines it
concerns under the rule table of docs/construction.md (``rules``).
"""

from construction.engine.index import CheckIndex, CheckResult, Finding, check_loop, check_run, index_build
from construction.engine.rules import pipeline_verdict, rules_applying, strictest

__all__ = [
    "CheckIndex",
    "CheckResult",
    "Finding",
    "check_loop",
    "check_run",
    "index_build",
    "pipeline_verdict",
    "rules_applying",
    "strictest",
]
