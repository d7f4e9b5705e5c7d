from teis.core.views import app_urls

from .views import urlpatterns as page_urlpatterns

app_name = "documents"
urlpatterns = [*page_urlpatterns, *app_urls("documents")]
