"""Pure computations of the security register (no Django): hotspots and figures."""
