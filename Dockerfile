FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . \
    && mkdir -p /var/run/occupier-metrics && chown nobody /var/run/occupier-metrics
USER nobody
