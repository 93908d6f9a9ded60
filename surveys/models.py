"""Questionnaires, rounds, interviews and focus groups: filled in by later issues."""

from __future__ import annotations
