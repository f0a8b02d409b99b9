"""Variations: preview a transform of a task version, sign it into a new version, retire versions.

The server applies the transform (:mod:`arcforge.task.transforms`), so the page never needs test
outputs: a preview returns the new train pairs and test inputs only. Signing checks the new task,
then the store either adds a version (numbered past every existing one, with its parent version and
transform as provenance) or, when a live version has identical content, adds the signature to it.

A swap moves a test pair, output included, into the train pairs. A preview shows that train pair's
output only to a viewer entitled to the test output it is (:mod:`arcforge.web.visibility`); anyone
else gets the preview with that output withheld and the reason. Signing one needs the entitlement
(403 otherwise): the signer vouches for content they must be able to see.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel, Field

from arcforge.task.model import Task, task_problems
from arcforge.task.transforms import Transform, parse_transform
from arcforge.web.deps import AppContext, Ctx, Member, Moderator, Viewer, api_router, client_id
from arcforge.web.lineage import Origin, apply_moves
from arcforge.web.visibility import Guarded, access_for, public_pairs, record_shown

router = api_router(tags=["variations"])

OFFERED = (
    ("rot90", "Rotate 90° clockwise"),
    ("rot180", "Rotate 180°"),
    ("rot270", "Rotate 90° anticlockwise"),
    ("flip_lr", "Mirror left-right"),
    ("flip_ud", "Mirror top-bottom"),
    ("transpose", "Transpose (main diagonal)"),
    ("anti_transpose", "Transpose (other diagonal)"),
    ("colors:0123456789->0987654321", "Colours: reverse 1-9"),
    ("colors:0123456789->0234567891", "Colours: shift 1-9 by one"),
    ("colors:12->21", "Colours: swap blue and red"),
    ("identity", "Identity (sign this version as it is)"),
)


class TransformBody(BaseModel):
    transform: str = Field(min_length=1, max_length=200)


class RetireBody(BaseModel):
    retired: bool = True


@router.get("/transforms", summary="Transforms offered in the page (any parseable name is accepted)")
def transforms() -> dict[str, Any]:
    return {
        "transforms": [{"name": n, "label": label} for n, label in OFFERED],
        "spellings": "symmetries, colors:SRC->DST, order:I,J,..., swap:TRAIN,TEST, joined with '+'",
    }


def _derive(
    ctx: AppContext, task_id: str, version: int, name: str, request: Request, user: Any
) -> tuple[Task, Transform, Guarded, tuple[Origin, ...]]:
    """The derived task, its transform, the viewer's view of the task, and the derived train origins."""
    parent = ctx.catalog.get(task_id, version)
    transform = parse_transform(name)
    derived = transform.apply_task(parent)
    problems = task_problems(derived.to_dict())
    if problems:
        raise HTTPException(400, f"the transformed task is not valid: {problems[0]}")
    guarded = access_for(ctx, task_id, user, None if user else client_id(request))
    above = guarded.lineage(parent)
    try:
        train, _test = apply_moves(transform, above.train, above.test)
    except ValueError as exc:
        raise HTTPException(400, f"cannot follow {transform.name}: {exc}") from None
    return derived, transform, guarded, train


def _existing_version(ctx: AppContext, task_id: str, content_hash: str) -> int | None:
    for info in ctx.catalog.versions(task_id):
        if info.retired:
            continue
        if ctx.catalog.get(task_id, info.version).content_hash() == content_hash:
            return info.version
    return None


@router.post(
    "/tasks/{task_id}/versions/{version}/preview", summary="Preview a transform (train pairs and test inputs)"
)
def preview(
    task_id: str,
    version: int,
    body: TransformBody,
    request: Request,
    ctx: Ctx,
    user: Viewer,
) -> dict[str, Any]:
    derived, transform, guarded, origins = _derive(ctx, task_id, version, body.transform, request, user)
    train, test, withheld = public_pairs(derived, origins, guarded.access)
    record_shown(ctx, user, task_id, guarded.access.shown_train(origins), via=f"preview of {transform.name}")
    return {
        "transform": transform.name,
        "train": train,
        "test": test,
        "withheld": withheld,
        "existing_version": _existing_version(ctx, task_id, derived.content_hash()),
    }


@router.post(
    "/tasks/{task_id}/versions/{version}/sign", summary="Sign a variation: a new version or a signature"
)
def sign(
    task_id: str,
    version: int,
    body: TransformBody,
    request: Request,
    ctx: Ctx,
    user: Member,
) -> dict[str, Any]:
    derived, transform, guarded, origins = _derive(ctx, task_id, version, body.transform, request, user)
    hidden = guarded.access.withheld_train(origins)
    if hidden:
        index, origin = hidden[0]
        raise HTTPException(
            403,
            f"{transform.name} shows the answer to test input {origin.index + 1} of v{origin.root} as "
            f"train pair {index + 1}: finish your attempts on test input {origin.index + 1} first",
        )
    if not derived.has_test_outputs:
        raise HTTPException(
            400, "this version has no test outputs, so a variation of it cannot be checked; pick another"
        )
    ctx.catalog.seed(task_id)
    existing = _existing_version(ctx, task_id, derived.content_hash())
    if existing is not None:
        stored = ctx.store.sign_task_version(task_id, existing, signer=user)
        created = False
    else:
        stored, created = ctx.store.add_task_version(
            derived, signer=user, parent_version=version, transform=transform.name
        )
    return {
        "id": task_id,
        "version": stored.version,
        "created": created,
        "signers": list(stored.signers),
        "parent_version": stored.parent_version,
        "transform": stored.transform,
    }


@router.post("/tasks/{task_id}/versions/{version}/retire", summary="Retire or restore a version (moderators)")
def retire(task_id: str, version: int, body: RetireBody, ctx: Ctx, user: Moderator) -> dict[str, Any]:
    ctx.catalog.seed(task_id)
    stored = ctx.store.retire_task_version(task_id, version, user=user, retired=body.retired)
    return {"id": task_id, "version": stored.version, "retired": stored.retired}
