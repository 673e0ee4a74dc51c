# Stage 1: the frontend bundle (same `npm run build` as scripts/setup.sh)
FROM node:20-bookworm-slim AS frontend
WORKDIR /app/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# Stage 2: the Python app (web and worker run this same image)
FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=project.settings.production \
    MEDIA_ROOT=/data/media STATIC_ROOT=/app/.data/staticfiles
WORKDIR /app
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt
COPY . .
COPY --from=frontend /app/static/build ./static/build
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --create-home labelforge && mkdir -p /data/media && chown -R labelforge /data /app/.data
USER labelforge
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && uvicorn project.asgi:application --host 0.0.0.0 --port 8000 --lifespan off --no-access-log"]
