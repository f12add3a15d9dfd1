# The deep-learning playground as one container: `streamlit run app.py` on port 8501.
#
#   docker build -t dl-playground .
#   docker run --rm -p 8501:8501 --cpus 2 --memory 2g dl-playground
#
# Training runs live inside the server process (dl_core/runs.py), so every replica holds its
# users' runs in memory: see deploy/kubernetes.yaml for the sticky sessions this needs.
# BASE_IMAGE: any Python 3.11+ image with pip (e.g. a mirror's copy where Docker Hub is out
# of reach).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Training threads: os.cpu_count() sees the host's cores, not the container's CPU
    # limit; match this to --cpus (or the pod's CPU limit).
    DL_TRAINING_WORKERS=2

# An unprivileged user; the application files stay owned by root (read-only to it). Its
# home is writable: Keras keeps its settings in ~/.keras.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

# What the server runs (the rest is left out by .dockerignore).
COPY app.py ./
COPY .streamlit ./.streamlit
COPY pages ./pages
COPY ui ./ui
COPY dl_core ./dl_core
COPY locale ./locale

USER app
EXPOSE 8501

# Streamlit answers "ok" on /_stcore/health once it serves; python's urllib, as the slim image
# has no curl. A start period covers the first import of Streamlit.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4).read()"]

CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
