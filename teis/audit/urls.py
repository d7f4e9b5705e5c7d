from teis.core.views import app_urls

app_name = "audit"
urlpatterns = app_urls("audit")
