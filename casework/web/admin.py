"""Administration pages: the people directory and staff accounts (no case content)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
