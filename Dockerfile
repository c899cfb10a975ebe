FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md NOTICE ./
COPY src ./src
RUN pip install --no-cache-dir .
ENV TROLY_HOST=0.0.0.0 \
    TROLY_PORT=8080 \
    TROLY_DATABASE_URL=sqlite:////data/troly.db \
    TROLY_ENVIRONMENT=production
VOLUME ["/data"]
EXPOSE 8080
CMD ["troly", "serve"]
