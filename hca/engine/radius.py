"""Potential impact radius of a gas pipeline, in metres."""

import math

PSI_PER_MPA = 145.037738
MM_PER_INCH = 25.4
M_PER_FOOT = 0.3048


def pir_gb32167(diameter_mm: float, maop_mpa: float) -> float:
    """GB 32167-2015: r = 0.099 * sqrt(d² p), d in mm, p in MPa, r in m."""
    return 0.099 * math.sqrt(diameter_mm**2 * maop_mpa)


def pir_cfr192(diameter_mm: float, maop_mpa: float) -> float:
    """49 CFR 192.903: r = 0.69 * sqrt(p d²) ft, p in psig, d in inches."""
    d_in = diameter_mm / MM_PER_INCH
    p_psig = maop_mpa * PSI_PER_MPA
    return 0.69 * math.sqrt(p_psig * d_in**2) * M_PER_FOOT


RADIUS = {"gb32167": pir_gb32167, "cfr192": pir_cfr192}
