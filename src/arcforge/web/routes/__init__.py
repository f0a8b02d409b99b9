"""The app's routers, one module per area; ``create_app`` includes each module's ``router``."""
