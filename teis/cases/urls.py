from teis.core.views import app_urls

app_name = "cases"
urlpatterns = [*app_urls("cases")]
