FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY model model
COPY service service
COPY training training
COPY commentguard commentguard
RUN pip install --no-cache-dir . && useradd --create-home commentguard \
    && mkdir -p /data && chown commentguard /data
USER commentguard
ENV COMMENTGUARD_DATA_DIR=/data
EXPOSE 8000
CMD ["sh", "-c", "commentguard train --if-missing && commentguard serve --bind 0.0.0.0:8000"]
