# syntax=docker/dockerfile:1
# The Flask implementation, served by its default production variant from the launcher
# registry (taskbench/registry.py). Build from the repository root:
#   docker build -f docker/flask.Dockerfile -t taskbench-flask .

FROM python:3.12-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml constraints.txt README.md ./
COPY taskbench ./taskbench
COPY flask_impl ./flask_impl
# Only this implementation's extra: the image holds what the framework pulls in, no more.
RUN /opt/venv/bin/pip install --no-cache-dir -c constraints.txt ".[flask]"

FROM python:3.12-slim
RUN useradd --create-home --uid 10001 taskbench
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER taskbench
WORKDIR /home/taskbench
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"]
CMD ["taskbench", "serve", "flask", "--variant", "gunicorn-sync", "--host", "0.0.0.0", "--port", "8000"]
