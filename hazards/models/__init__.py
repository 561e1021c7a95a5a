from hazards.models.hazard import Hazard, HazardCodeSequence, HazardPhoto, hazard_photo_path
from hazards.models.history import HazardTransition, TransitionAction
from hazards.models.policy import DeadlinePolicy
from hazards.models.rectification import Rectification, RectificationEvidence, evidence_path

__all__ = [
    "DeadlinePolicy",
    "Hazard",
    "HazardCodeSequence",
    "HazardPhoto",
    "HazardTransition",
    "Rectification",
    "RectificationEvidence",
    "TransitionAction",
    "evidence_path",
    "hazard_photo_path",
]
