from teis.core.views import app_urls

from . import views_modeler
from .views import app_name  # noqa: F401
from .views import urlpatterns as task_urlpatterns

urlpatterns = [*task_urlpatterns, *views_modeler.urlpatterns, *app_urls("workflow")]
