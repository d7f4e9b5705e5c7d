from teis.core.views import app_urls

app_name = "legal"
urlpatterns = app_urls("legal")
