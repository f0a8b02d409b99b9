"""Distributed execution: verification on a Ray cluster (:mod:`.ray_verify`).

Ray is optional (``pip install 'arcforge[ray]'``); nothing here imports it until a cluster is used.
"""

from __future__ import annotations

from arcforge.distributed.ray_verify import NodeSandbox, RaySandbox, RayStats, verify_on_ray

__all__ = ["NodeSandbox", "RaySandbox", "RayStats", "verify_on_ray"]
