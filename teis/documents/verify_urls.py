from .verify_views import app_name, urlpatterns  # noqa: F401
