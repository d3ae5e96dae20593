"""A throwaway API whose endpoint fails, to see the 500 answer in the common error shape."""

from django.urls import path
from ninja import NinjaAPI

from pingan.core.api_errors import install_error_handlers

api = NinjaAPI(urls_namespace="boom-test", docs_url=None)
install_error_handlers(api)


@api.get("/boom", auth=None)
def boom(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [path("api/boom-test/", api.urls)]
