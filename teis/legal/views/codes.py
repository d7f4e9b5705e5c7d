"""Pages of violation codes, case causes, benchmarks and warnings (filled in by the codes work)."""

urlpatterns: list = []
