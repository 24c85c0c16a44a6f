# ginpipe with the reference audio project and its locked environment (groups audio, demo, tracking
# and search: a container can log to an MLflow server and run a study on a shared database).
#
#     docker build -t ginpipe .
#     mkdir -p experiments data && docker run --rm --user "$(id -u):$(id -g)" \
#         -v "$PWD/experiments:/app/experiments" -v "$PWD/data:/app/data" ginpipe
#
# On a GPU host add `--gpus all`: the PyPI torch wheels carry CUDA, the host needs only the NVIDIA driver
# and the NVIDIA Container Toolkit. docs/demo-and-docker.md, section "Docker", has the rest (datasets, demo, compose).
# Needs BuildKit (the default builder since Docker Engine 23) for the uv cache mounts.
FROM python:3.11-slim

# uv from PyPI, pinned: the official ghcr.io/astral-sh/uv image would add a second registry to the build.
ARG UV_VERSION=0.13.8
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

# UV_PROJECT_ENVIRONMENT: the environment lives outside /app, so a project mounted over /app leaves it
#   in place; its bin/ comes first on PATH.
# UV_LINK_MODE=copy: the uv cache is a build cache mount, another filesystem, where hard links fail.
# UV_PYTHON_DOWNLOADS=never: the image's own Python, never a downloaded one.
# UV_SYSTEM_CERTS: uv checks TLS against the system's CA store instead of the Mozilla roots compiled
#   into it (as scripts/setup.sh runs it). On python:3.11-slim that store is Debian's ca-certificates,
#   the same Mozilla roots, so nothing changes on an open network; behind a TLS-inspecting proxy, a base
#   image whose store holds the proxy's CA is all uv needs (pip, above, also needs PIP_CERT there).
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_SYSTEM_CERTS=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1

# The runtime user: UID 1000, the first user on most Linux hosts. Any other UID works too (`--user
# "$(id -u):$(id -g)"`, so that results written to a bind-mounted folder belong to the host's user):
# HOME (caches of matplotlib, torch, gradio) and the folders a run writes to are writable by every UID,
# sticky like /tmp. (HOME is set at the end: uv, as root, would put its cache under it, into the image.)
RUN useradd --uid 1000 --user-group --create-home --home-dir /home/ginpipe ginpipe \
    && mkdir -p /app/experiments /app/data \
    && chmod 1777 /home/ginpipe /app/experiments /app/data

WORKDIR /app

# Dependencies from the lock file alone, in a layer of their own: torch and CUDA (several GB) are
# reinstalled only when pyproject.toml or uv.lock change, never for a change to code or configs.
# --no-dev leaves out the test tools; the other default groups stay. Bytecode is compiled here
# once: the runtime user cannot write into the environment, so Python could not cache it and would
# recompile torch on every run.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project --compile-bytecode

# Then the project (configs, tasks, demos, the runner itself), installed editable from /app.
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

# HOME and a user name for any UID, also one without a passwd entry (Docker would give it HOME=/, and
# getpass.getuser(), which torch calls on import, would raise).
ENV HOME=/home/ginpipe \
    USER=ginpipe
# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# experiments/: results; data/: datasets, the generated dataset and the feature cache.
VOLUME ["/app/experiments", "/app/data"]
# The Gradio demo (`--entrypoint ginpipe-demo`), when started with `--host 0.0.0.0`.
EXPOSE 7860
ENTRYPOINT ["ginpipe"]
CMD ["configs/base.gin"]
