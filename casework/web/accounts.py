"""The signed-in staff account as Flask-Login sees it, kept out of the model layer."""

from __future__ import annotations

from casework.models import User


class StaffUser:
    """Flask-Login's interface over a User row; every other attribute is the row's."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: User) -> None:
        self.user = user

    @property
    def is_active(self) -> bool:
        """Deactivated accounts cannot sign in."""
        return self.user.active

    def get_id(self) -> str:
        """What the session keeps to find the account again."""
        return str(self.user.id)

    def __getattr__(self, name: str):
        return getattr(self.user, name)
