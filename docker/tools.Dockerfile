# syntax=docker/dockerfile:1
# The load generator and the contract suite, pointed at running containers: Locust (master
# or worker) and `pytest contract_tests --base-url URL`. Build from the repository root:
#   docker build -f docker/tools.Dockerfile -t taskbench-tools .

FROM python:3.12-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml constraints.txt README.md ./
COPY taskbench ./taskbench
COPY benchmarks ./benchmarks
RUN /opt/venv/bin/pip install --no-cache-dir -c constraints.txt ".[test,bench]"

FROM python:3.12-slim
RUN useradd --create-home --uid 10001 taskbench
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
COPY --chown=taskbench pyproject.toml ./
COPY --chown=taskbench taskbench ./taskbench
COPY --chown=taskbench benchmarks ./benchmarks
COPY --chown=taskbench contract_tests ./contract_tests
# The OpenAPI document differences the contract suite allows (test_documents).
COPY --chown=taskbench reports/conformance.yaml ./reports/conformance.yaml
USER taskbench
EXPOSE 8089 5557
CMD ["locust", "-f", "benchmarks/locustfile.py", "--help"]
