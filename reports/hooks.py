"""How the tie-out joins other apps without them importing this one."""


def connect() -> None:
    """Called once from the app config."""
