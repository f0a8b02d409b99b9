"""Variations: preview a transform of a task version, sign it into a new version, retire versions.

The server applies the transform (:mod:`arcforge.task.transforms`), so the page never needs test
outputs: a preview returns the new train pairs and test inputs only. Signing checks the new task,
then the store either adds a version (numbered past every existing one, with its parent version and
transform as provenance) or, when a live version has identical content, adds the signature to it.

A swap moves a test pair, output included, into the train pairs, so previewing or signing one is
allowed only once the viewer's attempts on that test input are done (as the answer would show then).
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel, Field

from arcforge.task.model import task_problems
from arcforge.task.transforms import Composite, SwapPair, Transform, parse_transform
from arcforge.web.deps import AppContext, Ctx, Member, Moderator, Viewer, api_router, client_id

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


def _swapped_tests(transform: Transform) -> set[int]:
    parts = transform.parts if isinstance(transform, Composite) else (transform,)
    return {p.test_index for p in parts if isinstance(p, SwapPair)}


def _derive(
    ctx: AppContext, task_id: str, version: int, name: str, request: Request, user: Any
) -> tuple[Any, Transform]:
    parent = ctx.catalog.get(task_id, version)
    transform = parse_transform(name)
    swapped = _swapped_tests(transform)
    if swapped:
        statuses = ctx.store.attempt_statuses(
            parent, user=user, client_id=None if user else client_id(request)
        )
        for index in sorted(swapped):
            if index < len(statuses) and not (statuses[index].solved or statuses[index].remaining <= 0):
                raise HTTPException(
                    403,
                    f"this swap shows the output of test input {index + 1} (test pair {index} in the "
                    f"transform's 0-based name): finish your attempts on test input {index + 1} first",
                )
    derived = transform.apply_task(parent)
    problems = task_problems(derived.to_dict())
    if problems:
        raise HTTPException(400, f"the transformed task is not valid: {problems[0]}")
    return derived, transform


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
    derived, transform = _derive(ctx, task_id, version, body.transform, request, user)
    public = derived.to_dict(include_test_outputs=False)
    return {
        "transform": transform.name,
        "train": public["train"],
        "test": public["test"],
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
    derived, transform = _derive(ctx, task_id, version, body.transform, request, user)
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
