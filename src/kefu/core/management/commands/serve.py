"""Serve the whole product: pages, admin, API and websockets (uvicorn, ASGI) plus background duties."""

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve kefu over HTTP and websockets; run the background duties in-process unless Celery does."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1,
                            help="More than one needs KEFU_REDIS_URL (shared channel layer).")
        parser.add_argument("--no-duties", action="store_true", help="Do not run background duties here.")

    def handle(self, *args, host, port, workers, no_duties, **options):
        import uvicorn

        from kefu.core.duties import EmbeddedRunner

        if workers > 1 and not settings.REDIS_URL:
            self.stderr.write("--workers > 1 needs KEFU_REDIS_URL: the in-memory channel layer is per process.")
            raise SystemExit(2)
        runner = None
        if settings.KEFU_EMBEDDED_DUTIES and not no_duties:
            runner = EmbeddedRunner(tick=settings.KEFU_DUTY_TICK_SECONDS)
            runner.start()
            self.stdout.write("background duties: running in this process (embedded mode)")
        else:
            self.stdout.write("background duties: left to Celery (`celery -A kefu worker -B`)")
        if workers == 1:
            warm_the_assistant()
        try:
            # Keep-alive longer than a load balancer's idle timeout, so the proxy closes first.
            uvicorn.run("kefu.asgi:application", host=host, port=port, workers=workers, log_level="info",
                        lifespan="off", timeout_keep_alive=30)
        finally:
            if runner:
                runner.stop()


def warm_the_assistant() -> None:
    """Train the smart assistant in the background now, so the first customer's question (in the chat window, where
    the sockets' database work shares one thread) does not wait for it."""
    import threading

    from kefu.assistant import engine

    threading.Thread(target=engine.get, name="assistant-warm-up", daemon=True).start()
