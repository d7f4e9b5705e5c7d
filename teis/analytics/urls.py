from teis.core.views import app_urls

app_name = "analytics"
urlpatterns = [*app_urls("analytics")]
