"""Pages of laws: tree view, import, version diff, search (filled in by the laws work)."""

urlpatterns: list = []
