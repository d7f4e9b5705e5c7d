from teis.core.views import app_urls

from .views import pages
from .views import platform as platform_views

app_name = "finance"
urlpatterns = [*pages.urlpatterns, *platform_views.urlpatterns, *app_urls("finance")]
