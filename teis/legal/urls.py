from teis.core.views import app_urls

from .views import codes, laws

app_name = "legal"
urlpatterns = [*laws.urlpatterns, *codes.urlpatterns, *app_urls("legal")]
