"""The tool's URLs, under /lti/ (contracts in DESIGN.md)."""

urlpatterns: list = []
