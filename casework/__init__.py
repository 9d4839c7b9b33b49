"""Casework: case management for public interest disclosures and harassment complaints.

The package imports nothing heavy on its own, so `casework.workflow` and `casework.crypto`
stay free of Flask and SQLAlchemy; `create_app` loads the web layer only when called.
"""

from __future__ import annotations


def create_app(*args, **kwargs):
    """Build the Flask app (see casework.app.create_app)."""
    from casework.app import create_app as build

    return build(*args, **kwargs)
