from teis.core.views import app_urls

app_name = "org"
urlpatterns = app_urls("org")
