# syntax=docker/dockerfile:1
#
# The portalnews server image: the official Apache Airflow image plus this repo, used by every
# Airflow service in docker-compose.yml (`docker compose build`). The image already ships the
# Celery and FAB providers, Redis client and curl that the compose file relies on.
#
# Layout inside the image:
#   /opt/portalnews          this repo, installed from here into site-packages as the one import
#                            namespace `portalnews` (nothing of it is put on PYTHONPATH: a shared
#                            Airflow environment gets no top-level `spiders` or `pipelines`)
#   /opt/portalnews/dags     AIRFLOW__CORE__DAGS_FOLDER; docker-compose.yml mounts ./dags over it
#                            read-only so DAG edits show without a rebuild
#   /opt/airflow/portalnews  PORTALNEWS_HOME: spool of pages kept while the database was down and
#                            resumable backfill state (a named volume in docker-compose.yml)
#
# Keep AIRFLOW_VERSION within pyproject.toml's apache-airflow range (tests/system/test_compose.py checks).
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/portalnews/dags \
    PORTALNEWS_HOME=/opt/airflow/portalnews

# Owned by the image's airflow user, group 0 writable: the image runs with any UID in group 0.
COPY --chown=airflow:0 . /opt/portalnews

# Install the repo with the server extra. Pinning apache-airflow to the image's own version (set by
# the base image as AIRFLOW_VERSION) keeps pip from upgrading or downgrading Airflow itself.
# The build leaves build/ and *.egg-info in the source tree: removed, the installed copy is the one
# in site-packages. The checks run outside the source tree, as Airflow's processes do.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" "/opt/portalnews[server]" \
    && rm -rf /opt/portalnews/build /opt/portalnews/*.egg-info \
    && mkdir -p "${PORTALNEWS_HOME}" \
    && chmod -R g+rwX "${PORTALNEWS_HOME}" \
    && python -c "import portalnews.jobs, portalnews.extraction.extract, portalnews.registry, airflow.providers.celery, airflow.providers.fab" \
    && portalnews --help >/dev/null \
    && cd /opt/portalnews && python -m scrapy list
