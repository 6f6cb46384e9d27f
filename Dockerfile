# The API and UI image used by docker-compose.yml (Neo4j beside it).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY teamgraph ./teamgraph
RUN uv sync --frozen --no-dev
ENV PATH="/app/.venv/bin:$PATH"
EXPOSE 8000 8050
CMD ["teamgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
