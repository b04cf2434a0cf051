"""The web pages: the evaluator's /verify and the learner's /c/{id} (filled in below)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
