# The image behind docker-compose.yml: web (gunicorn), worker and beat (Celery) all run it.

# Front-end packages (htmx, SortableJS) are installed by npm and served by the app, never a CDN.
FROM node:22-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=incubator.settings.production
WORKDIR /app

# Only what production runs: no test runner, browser driver or linter in the image.
COPY requirements/base.txt requirements/production.txt requirements/
RUN pip install -r requirements/production.txt

COPY --from=assets /app/node_modules node_modules
COPY . .
# Part of every cache key (incubator/settings/base.py); docker-compose.yml passes .env's RELEASE.
ARG RELEASE=""
ENV RELEASE=${RELEASE}
# collectstatic reads no secret; a throwaway key only satisfies the production settings' check.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 incubator \
    && mkdir -p var \
    && chown -R incubator var

USER incubator
EXPOSE 8000
CMD ["gunicorn", "incubator.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
